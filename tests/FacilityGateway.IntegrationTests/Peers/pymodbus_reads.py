#!/usr/bin/python3
"""Reads a list of register/bit ranges with pymodbus and prints what it got, as one JSON line.

usage: pymodbus_reads.py tcp|rtutcp HOST PORT READS_JSON
       pymodbus_reads.py rtu DEVICE BAUD READS_JSON
READS_JSON: [{"unit": 1, "table": "holding|input|coil|discrete", "address": 0, "count": 2}, ...]
"""
import json
import sys

from pymodbus.client import ModbusSerialClient, ModbusTcpClient
from pymodbus.framer.rtu_framer import ModbusRtuFramer

mode = sys.argv[1]
if mode == "tcp":
    client = ModbusTcpClient(sys.argv[2], port=int(sys.argv[3]), timeout=3)
elif mode == "rtutcp":
    client = ModbusTcpClient(sys.argv[2], port=int(sys.argv[3]), framer=ModbusRtuFramer, timeout=3)
else:
    client = ModbusSerialClient(port=sys.argv[2], baudrate=int(sys.argv[3]), parity="N", bytesize=8, stopbits=1, timeout=3)
client.connect()
results = []
for read in json.loads(sys.argv[4]):
    fn = {"holding": client.read_holding_registers, "input": client.read_input_registers,
          "coil": client.read_coils, "discrete": client.read_discrete_inputs}[read["table"]]
    response = fn(read["address"], read["count"], slave=read["unit"])
    if response.isError():
        results.append({"error": str(response)})
    elif read["table"] in ("coil", "discrete"):
        results.append({"values": [1 if b else 0 for b in response.bits[:read["count"]]]})
    else:
        results.append({"values": response.registers})
client.close()
print(json.dumps(results))

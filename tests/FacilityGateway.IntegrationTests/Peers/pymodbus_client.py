#!/usr/bin/python3
"""A pymodbus client that reads the fixture layout from a server and prints what it decoded, as one JSON line.

usage: pymodbus_client.py tcp HOST PORT
       pymodbus_client.py rtu DEVICE BAUD
"""
import json
import sys

from pymodbus.client import ModbusSerialClient, ModbusTcpClient

import modbus_fixture as fixture


def main():
    if sys.argv[1] == "tcp":
        client = ModbusTcpClient(sys.argv[2], port=int(sys.argv[3]), timeout=3)
    else:
        client = ModbusSerialClient(port=sys.argv[2], baudrate=int(sys.argv[3]), parity="N", bytesize=8, stopbits=1, timeout=3)
    if not client.connect():
        print(json.dumps({"error": "cannot connect"}))
        return 1
    results = []
    for entry in fixture.manifest():
        response = client.read_holding_registers(entry["address"], entry["count"], slave=1)
        if response.isError():
            results.append({**entry, "error": str(response)})
            continue
        results.append({**entry, "decoded": fixture.decode(entry, response.registers)})
    coils = client.read_coils(0, len(fixture.COILS), slave=1)
    written = client.write_registers(900, [11, 22, 33], slave=1)
    client.close()
    print(json.dumps({"registers": results,
                      "coils": coils.bits[:len(fixture.COILS)] if not coils.isError() else str(coils),
                      "write": "ok" if not written.isError() else str(written)}))
    return 0


sys.exit(main())

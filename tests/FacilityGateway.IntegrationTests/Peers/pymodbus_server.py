#!/usr/bin/python3
"""A pymodbus server holding the fixture values; for interoperability tests of our client.

usage: pymodbus_server.py tcp PORT          Modbus TCP on 127.0.0.1:PORT
       pymodbus_server.py rtu DEVICE BAUD   Modbus RTU (8N1) on a serial device (a socat pseudo-terminal)
Prints one line "READY <manifest json>" once the values are in place; serves unit 1 until killed.
"""
import asyncio
import json
import sys

from pymodbus.datastore import ModbusSequentialDataBlock, ModbusServerContext, ModbusSlaveContext
from pymodbus.framer.rtu_framer import ModbusRtuFramer
from pymodbus.server import StartAsyncSerialServer, StartAsyncTcpServer

import modbus_fixture as fixture


def context():
    entries = fixture.manifest()
    registers = [0] * 1000
    for entry in entries:
        words = fixture.encode(entry)
        registers[entry["address"]:entry["address"] + len(words)] = words
    # zero_mode=True: pymodbus 3.0 otherwise shifts every address by one.
    slave = ModbusSlaveContext(
        hr=ModbusSequentialDataBlock(0, registers),
        ir=ModbusSequentialDataBlock(0, [r ^ 0xFFFF for r in registers]),
        co=ModbusSequentialDataBlock(0, fixture.COILS + [False] * 100),
        di=ModbusSequentialDataBlock(0, [not c for c in fixture.COILS] + [False] * 100),
        zero_mode=True)
    return ModbusServerContext(slaves={1: slave}, single=False), entries


async def main():
    ctx, entries = context()
    ready = "READY " + json.dumps({"registers": entries, "coils": fixture.COILS})
    if sys.argv[1] == "tcp":
        server = await StartAsyncTcpServer(context=ctx, address=("127.0.0.1", int(sys.argv[2])), defer_start=True)
        task = asyncio.create_task(server.serve_forever())
        await server.serving  # set once the socket listens
    else:
        server = await StartAsyncSerialServer(context=ctx, framer=ModbusRtuFramer, port=sys.argv[2], defer_start=True,
                                              baudrate=int(sys.argv[3]), parity="N", bytesize=8, stopbits=1, timeout=0.05)
        await server.start()  # opens the port
        task = asyncio.create_task(server.serve_forever())
    print(ready, flush=True)
    await task


asyncio.run(main())

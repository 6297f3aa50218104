#!/usr/bin/python3
"""Reads 10 holding registers N times with pymodbus's synchronous TCP client; prints the CPU seconds of the loop.

usage: pymodbus_loop.py HOST PORT N
"""
import sys
import time

from pymodbus.client import ModbusTcpClient

client = ModbusTcpClient(sys.argv[1], port=int(sys.argv[2]))
client.connect()
n = int(sys.argv[3])
client.read_holding_registers(0, 10, slave=1)  # warm-up
cpu, wall = time.process_time(), time.perf_counter()
for _ in range(n):
    response = client.read_holding_registers(0, 10, slave=1)
    if response.isError():
        raise SystemExit(str(response))
print(f"cpu={time.process_time() - cpu:.6f} wall={time.perf_counter() - wall:.6f} n={n}")
client.close()

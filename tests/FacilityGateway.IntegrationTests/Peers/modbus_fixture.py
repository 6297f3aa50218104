"""The values both Python peers agree on: every data type in every byte order, laid out from address 0.

Byte orders map onto pymodbus 3.0's (byteorder, wordorder): ABCD = (Big, Big), CDAB = (Big, Little),
BADC = (Little, Big), DCBA = (Little, Little). pymodbus never swaps the characters of a string, so strings are ABCD only.
"""
from pymodbus.constants import Endian
from pymodbus.payload import BinaryPayloadBuilder, BinaryPayloadDecoder

ORDERS = {"ABCD": (Endian.Big, Endian.Big), "CDAB": (Endian.Big, Endian.Little),
          "BADC": (Endian.Little, Endian.Big), "DCBA": (Endian.Little, Endian.Little)}

VALUES = [
    ("int16", 1, -12345), ("uint16", 1, 54321),
    ("int32", 2, -123456789), ("uint32", 2, 3000000000),
    ("int64", 4, -1234567890123456789), ("uint64", 4, 12345678901234567890),
    ("float32", 2, 123.456), ("float64", 4, -9876.54321),
]
STRING = ("string", 5, "SDM630 V2")
COILS = [True, False, True, True, False, False, True, True, True, False, True]


def manifest():
    """Entries: name, type, order, address, count, value (as written)."""
    entries, address = [], 0
    for order in ORDERS:
        for type_, count, value in VALUES:
            entries.append({"type": type_, "order": order, "address": address, "count": count, "value": value})
            address += count
    entries.append({"type": STRING[0], "order": "ABCD", "address": address, "count": STRING[1], "value": STRING[2]})
    return entries


def encode(entry):
    byteorder, wordorder = ORDERS[entry["order"]]
    builder = BinaryPayloadBuilder(byteorder=byteorder, wordorder=wordorder)
    adders = {"int16": builder.add_16bit_int, "uint16": builder.add_16bit_uint,
              "int32": builder.add_32bit_int, "uint32": builder.add_32bit_uint,
              "int64": builder.add_64bit_int, "uint64": builder.add_64bit_uint,
              "float32": builder.add_32bit_float, "float64": builder.add_64bit_float}
    if entry["type"] == "string":
        builder.add_string(entry["value"].ljust(entry["count"] * 2, "\0"))
    else:
        adders[entry["type"]](entry["value"])
    return builder.to_registers()


def decode(entry, registers):
    byteorder, wordorder = ORDERS[entry["order"]]
    decoder = BinaryPayloadDecoder.fromRegisters(registers, byteorder=byteorder, wordorder=wordorder)
    if entry["type"] == "string":
        return decoder.decode_string(entry["count"] * 2).rstrip(b"\0 ").decode("ascii")
    bits = {"int16": "16bit_int", "uint16": "16bit_uint", "int32": "32bit_int", "uint32": "32bit_uint",
            "int64": "64bit_int", "uint64": "64bit_uint", "float32": "32bit_float", "float64": "64bit_float"}
    return getattr(decoder, "decode_" + bits[entry["type"]])()

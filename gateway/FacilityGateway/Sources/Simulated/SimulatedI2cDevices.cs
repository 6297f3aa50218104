using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Device.I2c;

namespace FacilityGateway.Sources.Simulated;

/// <summary>An I2C device made of 8-bit registers with an auto-incrementing pointer (the BME280's interface).</summary>
public class SimulatedRegisterDevice(int bus, int address) : I2cDevice
{
    private readonly object _lock = new();
    private int _pointer;

    /// <summary>The register file.</summary>
    public byte[] Registers { get; } = new byte[256];

    public override I2cConnectionSettings ConnectionSettings { get; } = new(bus, address);

    public override byte ReadByte()
    {
        lock (_lock)
            return Registers[_pointer++ & 0xFF];
    }

    public override void Read(Span<byte> buffer)
    {
        lock (_lock)
            for (int i = 0; i < buffer.Length; i++)
                buffer[i] = Registers[_pointer++ & 0xFF];
    }

    public override void WriteByte(byte value)
    {
        lock (_lock)
            _pointer = value;
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        lock (_lock)
        {
            _pointer = buffer[0];
            for (int i = 1; i < buffer.Length; i++)
                Registers[_pointer++ & 0xFF] = buffer[i];
        }
    }

    public override void WriteRead(ReadOnlySpan<byte> writeBuffer, Span<byte> readBuffer)
    {
        Write(writeBuffer);
        Read(readBuffer);
    }
}

/// <summary>
/// A BME280 loaded with the compensation example of the Bosch datasheet (temperature and pressure: BMP280/BME280
/// datasheet section 8.1/3.12 example, dig_T1 27504 ... adc_T 519888 gives 25.08 °C; adc_P 415148 gives 100653 Pa).
/// </summary>
public sealed class SimulatedBme280 : SimulatedRegisterDevice
{
    public SimulatedBme280(int bus, int address) : base(bus, address)
    {
        Registers[0xD0] = 0x60; // chip id
        // 0x88-0x9F: dig_T1 (u16), dig_T2, dig_T3, dig_P1 (u16), dig_P2..dig_P9 (s16), little-endian.
        var span = Registers.AsSpan(0x88);
        BinaryPrimitives.WriteUInt16LittleEndian(span, 27504);
        BinaryPrimitives.WriteInt16LittleEndian(span[2..], 26435);
        BinaryPrimitives.WriteInt16LittleEndian(span[4..], -1000);
        BinaryPrimitives.WriteUInt16LittleEndian(span[6..], 36477);
        short[] pressure = [-10685, 3024, 2855, 140, -7, 15500, -14600, 6000];
        for (int i = 0; i < pressure.Length; i++)
            BinaryPrimitives.WriteInt16LittleEndian(span[(8 + 2 * i)..], pressure[i]);
        // Humidity calibration (typical values of a real part): dig_H1..H6.
        Registers[0xA1] = 75;
        BinaryPrimitives.WriteInt16LittleEndian(Registers.AsSpan(0xE1), 362);
        Registers[0xE3] = 0;
        Registers[0xE4] = 0x13; // dig_H4 = 0x13 << 4 | 0x0 = 304
        Registers[0xE5] = 0x00; // low nibble: H4's bits 3:0, high nibble: H5's bits 3:0
        Registers[0xE6] = 0x03; // dig_H5 = 0x03 << 4 | 0 = 50
        Registers[0xE7] = 30;   // dig_H6
        SetRaw(adcT: 519888, adcP: 415148, adcH: 30000);
    }

    /// <summary>Sets the raw ADC values the data registers return.</summary>
    public void SetRaw(int adcT, int adcP, int adcH)
    {
        Registers[0xF7] = (byte)(adcP >> 12);
        Registers[0xF8] = (byte)(adcP >> 4);
        Registers[0xF9] = (byte)((adcP & 0xF) << 4);
        Registers[0xFA] = (byte)(adcT >> 12);
        Registers[0xFB] = (byte)(adcT >> 4);
        Registers[0xFC] = (byte)((adcT & 0xF) << 4);
        Registers[0xFD] = (byte)(adcH >> 8);
        Registers[0xFE] = (byte)adcH;
    }
}

/// <summary>
/// An ADS1115: 16-bit registers behind a pointer byte (datasheet section 9.6: 0 conversion, 1 config, 2-3 thresholds).
/// The conversion register follows the input voltage set with <see cref="SetVoltage"/> at the configured gain.
/// </summary>
public sealed class SimulatedAds1115(int bus, int address) : I2cDevice
{
    private readonly ushort[] _registers = [0, 0x8583, 0x8000, 0x7FFF];
    private readonly double[] _volts = new double[4];
    private int _pointer;

    public override I2cConnectionSettings ConnectionSettings { get; } = new(bus, address);

    /// <summary>Sets the voltage on a single-ended input (0-3).</summary>
    public void SetVoltage(int channel, double volts) => _volts[channel] = volts;

    /// <summary>Sets a 4-20 mA loop current through a shunt on an input.</summary>
    public void SetLoopCurrent(int channel, double milliamps, double shuntOhms = 250) => SetVoltage(channel, milliamps / 1000 * shuntOhms);

    private void Convert()
    {
        ushort config = _registers[1];
        int mux = (config >> 12) & 0x7;
        int channel = mux >= 4 ? mux - 4 : 0;
        double fullScale = ((config >> 9) & 0x7) switch { 0 => 6.144, 1 => 4.096, 2 => 2.048, 3 => 1.024, 4 => 0.512, _ => 0.256 };
        double raw = Math.Clamp(_volts[channel] / fullScale * 32768, short.MinValue, short.MaxValue);
        _registers[0] = unchecked((ushort)(short)Math.Round(raw));
        _registers[1] |= 0x8000; // OS: conversion done
    }

    public override byte ReadByte() => throw new NotSupportedException("read 2 bytes");

    public override void Read(Span<byte> buffer)
    {
        if (_pointer == 0)
            Convert();
        BinaryPrimitives.WriteUInt16BigEndian(buffer, _registers[_pointer]);
    }

    public override void WriteByte(byte value) => _pointer = value & 0x3;

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        _pointer = buffer[0] & 0x3;
        if (buffer.Length >= 3)
            _registers[_pointer] = BinaryPrimitives.ReadUInt16BigEndian(buffer[1..]);
    }

    public override void WriteRead(ReadOnlySpan<byte> writeBuffer, Span<byte> readBuffer)
    {
        Write(writeBuffer);
        Read(readBuffer);
    }
}

/// <summary>The simulated I2C devices of this process, by bus and address, for tests and the simulator to drive.</summary>
public sealed class SimulatedI2c
{
    private readonly ConcurrentDictionary<(int, int), I2cDevice> _devices = new();

    public T Get<T>(int bus, int address, Func<int, int, T> create) where T : I2cDevice => (T)_devices.GetOrAdd((bus, address), _ => create(bus, address));

    public SimulatedAds1115 Ads1115(int bus, int address) => Get(bus, address, static (b, a) => new SimulatedAds1115(b, a));

    public SimulatedBme280 Bme280(int bus, int address) => Get(bus, address, static (b, a) => new SimulatedBme280(b, a));
}

namespace FacilityGateway.Modbus.Codec;

/// <summary>The wire format of one point: type, byte order, bit index or string length.</summary>
public readonly record struct RegisterFormat(ModbusDataType Type, ByteOrder Order = ByteOrder.ABCD, byte BitIndex = 0, ushort StringRegisters = 0)
{
    /// <summary>Registers (or bits, for <see cref="ModbusDataType.Bool"/>) the point occupies.</summary>
    public int Width => Type switch
    {
        ModbusDataType.Bool or ModbusDataType.Bit or ModbusDataType.Int16 or ModbusDataType.UInt16 => 1,
        ModbusDataType.Int32 or ModbusDataType.UInt32 or ModbusDataType.Float32 => 2,
        ModbusDataType.Int64 or ModbusDataType.UInt64 or ModbusDataType.Float64 => 4,
        ModbusDataType.String => StringRegisters,
        _ => throw new ArgumentOutOfRangeException(nameof(Type), Type, "Unknown data type."),
    };

    /// <summary>True for types that live in a register table; false for <see cref="ModbusDataType.Bool"/>.</summary>
    public bool IsRegisterType => Type != ModbusDataType.Bool;
}

/// <summary>Linear scaling from the raw value to engineering units: <c>value = raw * Scale + Offset</c>.</summary>
public readonly record struct Scaling(double Scale = 1, double Offset = 0)
{
    /// <summary>No scaling.</summary>
    public static Scaling Identity => new(1, 0);

    /// <summary>Raw to engineering units.</summary>
    public double Apply(double raw) => raw * Scale + Offset;

    /// <summary>Engineering units to raw.</summary>
    public double Remove(double value) => (value - Offset) / Scale;
}

namespace FacilityGateway.Modbus.Framing;

/// <summary>
/// CRC-16/MODBUS (polynomial 0xA001 reflected, initial 0xFFFF), table driven as in
/// Modbus over Serial Line v1.02, section 6.2.2 and appendix B. The CRC is sent low byte first.
/// </summary>
public static class Crc16
{
    private static readonly ushort[] Table = BuildTable();

    /// <summary>Computes the CRC of <paramref name="data"/>.</summary>
    public static ushort Compute(ReadOnlySpan<byte> data)
    {
        ushort crc = 0xFFFF;
        foreach (byte b in data)
            crc = (ushort)((crc >> 8) ^ Table[(crc ^ b) & 0xFF]);
        return crc;
    }

    /// <summary>Appends the CRC of <c>frame[..length]</c> at <c>frame[length..length+2]</c>, low byte first; returns the new length.</summary>
    public static int Append(Span<byte> frame, int length)
    {
        ushort crc = Compute(frame[..length]);
        frame[length] = (byte)crc;            // CRC low byte first
        frame[length + 1] = (byte)(crc >> 8); // then high byte
        return length + 2;
    }

    /// <summary>True when the last two bytes of <paramref name="frame"/> are the CRC of the bytes before them.</summary>
    public static bool IsValid(ReadOnlySpan<byte> frame)
    {
        if (frame.Length < 3)
            return false;
        ushort crc = Compute(frame[..^2]);
        return frame[^2] == (byte)crc && frame[^1] == (byte)(crc >> 8);
    }

    private static ushort[] BuildTable()
    {
        var table = new ushort[256];
        for (int i = 0; i < 256; i++)
        {
            ushort crc = (ushort)i;
            for (int bit = 0; bit < 8; bit++)
                crc = (crc & 1) != 0 ? (ushort)((crc >> 1) ^ 0xA001) : (ushort)(crc >> 1);
            table[i] = crc;
        }
        return table;
    }
}

using System.IO.Ports;
using FacilityGateway.Modbus.Transport;
using FacilityGateway.Modbus.Transport.Linux;

namespace FacilityGateway.Modbus.Tests;

/// <summary>How a line's settings become termios flags, and what opening a wrong device says (the gateway runs on Linux).</summary>
public class LinuxSerialSettingsTests
{
    private const uint CBaud = 0x100F; // the speed bits of c_cflag

    private static SerialLineSettings Line(int baud = 19200, Parity parity = Parity.Even, int dataBits = 8, StopBits stopBits = StopBits.One) =>
        new() { PortName = "/dev/ttyUSB0", BaudRate = baud, Parity = parity, DataBits = dataBits, StopBits = stopBits };

    [Theory]
    [InlineData(9600, 0xDu)]
    [InlineData(19200, 0xEu)]
    [InlineData(38400, 0xFu)]
    [InlineData(115200, 0x1002u)]
    public void BaudRate_IsTheTermiosSpeed(int baud, uint speed)
    {
        var t = LinuxSerialPort.Configure(Line(baud));
        Assert.Equal(speed, t.c_cflag & CBaud);
    }

    [Fact]
    public void ModbusDefault_8E1_RawReceiverOnNoFlowControl()
    {
        var t = LinuxSerialPort.Configure(Line());
        Assert.Equal(LibC.CS8, t.c_cflag & LibC.CSIZE);
        Assert.Equal(LibC.PARENB, t.c_cflag & (LibC.PARENB | LibC.PARODD | LibC.CMSPAR));
        Assert.Equal(0u, t.c_cflag & (LibC.CSTOPB | LibC.CRTSCTS));
        Assert.Equal(LibC.CREAD | LibC.CLOCAL, t.c_cflag & (LibC.CREAD | LibC.CLOCAL));
        Assert.Equal(0u, t.c_iflag & (LibC.IXON | LibC.IXOFF | LibC.IXANY));
        Assert.Equal(LibC.INPCK, t.c_iflag & LibC.INPCK);
        Assert.Equal(0u, t.c_lflag); // raw: no echo, no line editing, no signals
    }

    [Fact]
    public void OddParity_TwoStopBits_SevenDataBits()
    {
        var t = LinuxSerialPort.Configure(Line(parity: Parity.Odd, dataBits: 7, stopBits: StopBits.Two));
        Assert.Equal(LibC.CS7, t.c_cflag & LibC.CSIZE);
        Assert.Equal(LibC.PARENB | LibC.PARODD, t.c_cflag & (LibC.PARENB | LibC.PARODD | LibC.CMSPAR));
        Assert.Equal(LibC.CSTOPB, t.c_cflag & LibC.CSTOPB);
    }

    [Fact]
    public void NoParity_DoesNotCheckParity()
    {
        var t = LinuxSerialPort.Configure(Line(parity: Parity.None));
        Assert.Equal(0u, t.c_cflag & LibC.PARENB);
        Assert.Equal(0u, t.c_iflag & LibC.INPCK);
    }

    [Theory]
    [InlineData(14400, null, "14400 baud is not a standard rate")]
    [InlineData(9600, StopBits.OnePointFive, "OnePointFive stop bits are not supported")]
    public void Unsupported_SaysWhat(int baud, StopBits? stopBits, string message)
    {
        var ex = Assert.Throws<IOException>(() => LinuxSerialPort.Configure(Line(baud, stopBits: stopBits ?? StopBits.One)));
        Assert.Contains(message, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/dev/ttyDOESNOTEXIST", "cannot open /dev/ttyDOESNOTEXIST: No such file or directory")]
    [InlineData("/dev/null", "/dev/null is not a serial port")]
    public async Task WrongDevice_SaysWhy(string path, string message)
    {
        var connector = new LinuxSerialConnector(Line() with { PortName = path });
        var ex = await Assert.ThrowsAsync<IOException>(async () => await connector.ConnectAsync(CancellationToken.None));
        Assert.StartsWith(message, ex.Message, StringComparison.Ordinal);
    }
}

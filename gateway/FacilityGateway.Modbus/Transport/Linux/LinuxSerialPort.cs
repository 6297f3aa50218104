using System.IO.Ports;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading.Tasks.Sources;

namespace FacilityGateway.Modbus.Transport.Linux;

/// <summary>
/// A serial port on Linux as a <see cref="Stream"/>, without System.IO.Ports. Its Unix implementation runs a loop per open
/// port that wakes every millisecond (<c>poll</c> with a 1 ms timeout, or <c>Thread.Sleep(1)</c>) for as long as the port
/// is used at least every 2 seconds, which a polled Modbus line always is: measured here, one RS-485 line polled once a
/// second cost the gateway 4 % of a core against 1 % for the same device over TCP (dotnet/runtime#2379, open since 2020).
/// On a Raspberry Pi with several lines that is most of the CPU budget.
/// <para>
/// Here one thread per port sleeps in <c>poll</c> on the port and an eventfd, without a timeout: it wakes only when
/// bytes arrive or the port closes. Received bytes go to a small buffer that <see cref="ReadAsync(Memory{byte}, CancellationToken)"/>
/// takes from; a read waits without a thread and honours its cancellation token at once. Writes are non-blocking
/// <c>write</c> calls (a Modbus frame is at most 256 bytes; the kernel's buffer is 4 KiB). One reader and one writer at a
/// time, which is how a transport uses a line.
/// </para>
/// </summary>
internal sealed class LinuxSerialPort : Stream, IValueTaskSource<bool>
{
    private const int BufferSize = 4096;

    private readonly int _fd;
    private readonly int _wake;
    private readonly Thread _reader;
    private readonly Lock _lock = new();
    private readonly byte[] _buffer = new byte[BufferSize];
    private readonly string _path;
    private int _start, _count;
    private Exception? _failure;
    private bool _closing;
    private bool _waiting;
    private ManualResetValueTaskSourceCore<bool> _signal = new() { RunContinuationsAsynchronously = true };

    private LinuxSerialPort(string path, int fd, int wake)
    {
        _path = path;
        _fd = fd;
        _wake = wake;
        _reader = new Thread(ReceiveLoop) { IsBackground = true, Name = "serial " + path.Replace("/dev/", "", StringComparison.Ordinal) };
        _reader.Start();
    }

    /// <summary>Opens and configures the port (raw, no flow control, the line's baud rate, parity, data and stop bits).</summary>
    /// <exception cref="IOException">The device cannot be opened or configured; the message says why.</exception>
    public static unsafe LinuxSerialPort Open(SerialLineSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var termios = Configure(settings);
        int fd = LibC.Open(settings.PortName, LibC.O_RDWR | LibC.O_NOCTTY | LibC.O_NONBLOCK | LibC.O_CLOEXEC, 0);
        if (fd < 0)
            throw Failure($"cannot open {settings.PortName}");
        int wake = -1;
        try
        {
            LibC.Termios current;
            if (LibC.TcGetAttr(fd, &current) != 0)
                throw Failure($"{settings.PortName} is not a serial port");
            // The bus is ours alone: another process writing frames between ours would corrupt both. flock is what
            // pyserial (exclusive=True) and other gateways take; TIOCEXCL also refuses later opens by anyone but root.
            if (LibC.Flock(fd, LibC.LOCK_EX | LibC.LOCK_NB) != 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                throw errno == LibC.EAGAIN
                    ? new IOException($"{settings.PortName} is in use by another process (find it with: fuser {settings.PortName}); two programs on one RS-485 bus interleave their frames", errno)
                    : Failure($"cannot lock {settings.PortName}");
            }
            LibC.Ioctl(fd, LibC.TIOCEXCL);
            if (LibC.TcSetAttr(fd, LibC.TCSANOW, &termios) != 0)
                throw Failure($"cannot configure {settings.PortName}");
            LibC.TcFlush(fd, LibC.TCIFLUSH);
            wake = LibC.EventFd(0, LibC.EFD_CLOEXEC | LibC.EFD_NONBLOCK);
            if (wake < 0)
                throw Failure("cannot create an eventfd");
            return new LinuxSerialPort(settings.PortName, fd, wake);
        }
        catch
        {
            LibC.Close(fd);
            if (wake >= 0)
                LibC.Close(wake);
            throw;
        }
    }

    /// <summary>The termios settings of a line: raw bytes, receiver on, modem lines ignored, no flow control, no timeouts.</summary>
    internal static unsafe LibC.Termios Configure(SerialLineSettings settings)
    {
        var speed = LibC.SpeedOf(settings.BaudRate)
            ?? throw new IOException($"{settings.BaudRate} baud is not a standard rate on Linux (1200 to 921600: 1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, ...).");
        LibC.Termios t = default;
        LibC.CfMakeRaw(&t);
        t.c_cflag &= ~(LibC.CSIZE | LibC.CSTOPB | LibC.PARENB | LibC.PARODD | LibC.CMSPAR | LibC.CRTSCTS);
        t.c_cflag |= LibC.CREAD | LibC.CLOCAL | settings.DataBits switch
        {
            5 => LibC.CS5,
            6 => LibC.CS6,
            7 => LibC.CS7,
            8 => LibC.CS8,
            _ => throw new IOException($"{settings.DataBits} data bits: a serial line has 5 to 8."),
        };
        t.c_cflag |= settings.Parity switch
        {
            Parity.None => 0u,
            Parity.Even => LibC.PARENB,
            Parity.Odd => LibC.PARENB | LibC.PARODD,
            Parity.Mark => LibC.PARENB | LibC.CMSPAR | LibC.PARODD,
            Parity.Space => LibC.PARENB | LibC.CMSPAR,
            _ => throw new IOException($"parity {settings.Parity} is not supported."),
        };
        t.c_cflag |= settings.StopBits switch
        {
            StopBits.One => 0u,
            StopBits.Two => LibC.CSTOPB,
            _ => throw new IOException($"{settings.StopBits} stop bits are not supported on Linux (one or two)."),
        };
        t.c_iflag &= ~(LibC.IXON | LibC.IXOFF | LibC.IXANY);
        if (settings.Parity != Parity.None)
            t.c_iflag |= LibC.INPCK; // a character with a parity error is dropped, so the frame fails its CRC
        t.c_cc[LibC.VMIN] = 0;
        t.c_cc[LibC.VTIME] = 0;
        if (LibC.CfSetISpeed(&t, speed) != 0 || LibC.CfSetOSpeed(&t, speed) != 0)
            throw new IOException($"{settings.BaudRate} baud is not accepted.");
        return t;
    }

    private static IOException Failure(string what)
    {
        int errno = Marshal.GetLastPInvokeError();
        return new IOException($"{what}: {LibC.ErrorText(errno)}", errno);
    }

    /// <summary>Drops received bytes not read yet, in this buffer and the kernel's.</summary>
    public void DiscardInput()
    {
        lock (_lock)
        {
            LibC.TcFlush(_fd, LibC.TCIFLUSH);
            _start = _count = 0;
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            short version;
            lock (_lock)
            {
                if (_count > 0)
                    return Take(buffer.Span);
                if (_failure is not null)
                    throw new IOException(_failure.Message, _failure);
                ObjectDisposedException.ThrowIf(_closing, this);
                _signal.Reset();
                version = _signal.Version;
                _waiting = true;
            }
            using (cancellationToken.UnsafeRegister(static state => ((LinuxSerialPort)state!).Wake(), this))
                await new ValueTask<bool>(this, version).ConfigureAwait(false);
        }
    }

    private int Take(Span<byte> destination)
    {
        int n = Math.Min(destination.Length, _count);
        int first = Math.Min(n, BufferSize - _start);
        _buffer.AsSpan(_start, first).CopyTo(destination);
        _buffer.AsSpan(0, n - first).CopyTo(destination[first..]);
        _start = (_start + n) % BufferSize;
        _count -= n;
        return n;
    }

    /// <summary>Completes a waiting read (bytes arrived, the port failed or closed, or the read was cancelled).</summary>
    private void Wake()
    {
        lock (_lock)
        {
            if (!_waiting)
                return;
            _waiting = false;
            _signal.SetResult(true);
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (!buffer.IsEmpty)
        {
            cancellationToken.ThrowIfCancellationRequested();
            ObjectDisposedException.ThrowIf(_closing, this);
            nint written = WriteSome(buffer.Span);
            if (written > 0)
            {
                buffer = buffer[(int)written..];
                continue;
            }
            int errno = Marshal.GetLastPInvokeError();
            if (written < 0 && errno == LibC.EINTR)
                continue;
            if (written < 0 && errno != LibC.EAGAIN)
                throw new IOException($"{_path}: write failed: {LibC.ErrorText(errno)}", errno);
            await Task.Delay(1, cancellationToken).ConfigureAwait(false); // the kernel's buffer is full: let the line drain
        }
    }

    private unsafe nint WriteSome(ReadOnlySpan<byte> bytes)
    {
        fixed (byte* p = bytes)
            return LibC.Write(_fd, p, (nuint)bytes.Length);
    }

    private unsafe void ReceiveLoop()
    {
        var chunk = stackalloc byte[256];
        var fds = stackalloc LibC.PollFd[2];
        try
        {
            while (true)
            {
                fds[0] = new LibC.PollFd { Fd = _fd, Events = LibC.POLLIN };
                fds[1] = new LibC.PollFd { Fd = _wake, Events = LibC.POLLIN };
                if (LibC.Poll(fds, 2, -1) < 0)
                {
                    if (Marshal.GetLastPInvokeError() == LibC.EINTR)
                        continue;
                    throw Failure($"{_path}: poll failed");
                }
                if (fds[1].Revents != 0)
                    return; // closing
                if ((fds[0].Revents & LibC.POLLIN) != 0)
                {
                    nint n = LibC.Read(_fd, chunk, 256);
                    if (n > 0)
                    {
                        Append(new ReadOnlySpan<byte>(chunk, (int)n));
                        continue;
                    }
                    if (n < 0 && Marshal.GetLastPInvokeError() is LibC.EAGAIN or LibC.EINTR)
                        continue;
                    if (n < 0)
                        throw Failure($"{_path}: read failed");
                    throw new IOException($"{_path}: the device was closed (unplugged?).");
                }
                if ((fds[0].Revents & (LibC.POLLHUP | LibC.POLLERR | LibC.POLLNVAL)) != 0)
                    throw new IOException($"{_path}: the device hung up (unplugged?).");
            }
        }
        catch (IOException ex)
        {
            lock (_lock)
                _failure = ex;
            Wake();
        }
    }

    private void Append(ReadOnlySpan<byte> bytes)
    {
        lock (_lock)
        {
            foreach (byte b in bytes)
            {
                if (_count == BufferSize)
                {
                    _start = (_start + 1) % BufferSize; // overrun: the oldest byte goes, as a UART's would
                    _count--;
                }
                _buffer[(_start + _count++) % BufferSize] = b;
            }
        }
        Wake();
    }

    protected override unsafe void Dispose(bool disposing)
    {
        if (disposing && !_closing)
        {
            lock (_lock)
                _closing = true;
            long one = 1;
            LibC.Write(_wake, (byte*)&one, sizeof(long));
            _reader.Join();
            LibC.Close(_wake);
            LibC.Close(_fd);
            Wake();
        }
        base.Dispose(disposing);
    }

    bool IValueTaskSource<bool>.GetResult(short token) => _signal.GetResult(token);
    ValueTaskSourceStatus IValueTaskSource<bool>.GetStatus(short token) => _signal.GetStatus(token);
    void IValueTaskSource<bool>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _signal.OnCompleted(continuation, state, token, flags);

    public override bool CanRead => true;
    public override bool CanWrite => true;
    public override bool CanSeek => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { } // writes go straight to the kernel
    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();
    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}

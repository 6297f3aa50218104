using System.Diagnostics;
using FacilityGateway.IntegrationTests.Infrastructure;
using FacilityGateway.Modbus.Transport;
using FacilityGateway.Modbus.Transport.Linux;

namespace FacilityGateway.IntegrationTests;

/// <summary>
/// Our Linux serial port on the two ends of a socat pseudo-terminal pair: bytes pass both ways, a waiting read costs no
/// wake-ups (System.IO.Ports' loop wakes every millisecond), cancellation and a hang-up end a read at once.
/// </summary>
public sealed class LinuxSerialPortTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    private static async Task<IModbusConnection> OpenAsync(string path) =>
        await new LinuxSerialConnector(new SerialLineSettings { PortName = path, BaudRate = 38400, Parity = System.IO.Ports.Parity.Even }).ConnectAsync(CancellationToken.None);

    private static async Task<byte[]> ReadExactlyAsync(Stream stream, int count)
    {
        var buffer = new byte[count];
        using var timeout = new CancellationTokenSource(Wait);
        await stream.ReadExactlyAsync(buffer, timeout.Token);
        return buffer;
    }

    [Fact]
    public async Task APortAlreadyOpenedByTheGateway_IsRefusedToAnotherOpener_WithAClearMessage()
    {
        // Regression: the port was opened shared, so another process (a second gateway, a technician's modbus tool)
        // could interleave its frames with ours on the bus.
        await using var pair = await PtyPair.OpenAsync();
        await using var first = await OpenAsync(pair.A);
        var refused = await Assert.ThrowsAsync<IOException>(() => OpenAsync(pair.A));
        Assert.Contains("is in use by another process", refused.Message, StringComparison.Ordinal);
        // pyserial's exclusive open (what Python Modbus tools use) takes the same lock, so it is refused too.
        var (code, output) = await PeerProcess.RunAsync(TimeSpan.FromSeconds(30), PeerTools.Python, "-c",
            $"import serial\ntry:\n    serial.Serial('{pair.A}', exclusive=True)\n    print('opened')\nexcept serial.SerialException as e:\n    print('refused', e)");
        Assert.True(code == 0, output);
        Assert.Contains("refused", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bytes_PassBothWays_AndDiscardDropsWhatWasNotRead()
    {
        await using var line = await PtyPair.OpenAsync();
        await using var a = await OpenAsync(line.A);
        await using var b = await OpenAsync(line.B);

        byte[] request = [0x01, 0x03, 0x00, 0x00, 0x00, 0x0A, 0xC5, 0xCD];
        await a.Stream.WriteAsync(request);
        Assert.Equal(request, await ReadExactlyAsync(b.Stream, request.Length));
        byte[] response = [.. Enumerable.Range(0, 255).Select(i => (byte)i)];
        await b.Stream.WriteAsync(response);
        Assert.Equal(response, await ReadExactlyAsync(a.Stream, response.Length));

        await b.Stream.WriteAsync(new byte[] { 0xEE, 0xEE, 0xEE }); // one write: socat passes it on as one chunk
        Assert.Equal([0xEE], await ReadExactlyAsync(a.Stream, 1)); // the chunk is here, two bytes of it not read
        a.DiscardInput();
        await b.Stream.WriteAsync(new byte[] { 0x42 });
        Assert.Equal([0x42], await ReadExactlyAsync(a.Stream, 1)); // the stray bytes are gone
    }

    /// <summary>The short version of the benchmark's <c>serial-soak</c>: a thousand Modbus reads back to back, none lost.</summary>
    [Fact]
    public async Task AThousandModbusReadsBackToBack_NoneFails_EveryValueRight()
    {
        await using var line = await PtyPair.OpenAsync();
        var store = new FacilityGateway.Modbus.Server.ModbusDataStore(1);
        for (ushort a = 0; a < 10; a++)
            store[1].SetRegister(FacilityGateway.Modbus.Protocol.ModbusTable.HoldingRegisters, a, (ushort)(a * 111));
        await using var server = new FacilityGateway.Modbus.Server.ModbusSerialServer(store, new SerialLineSettings { PortName = line.A, BaudRate = 38400, Parity = System.IO.Ports.Parity.None });
        server.Start();
        await using var transport = new ModbusStreamTransport(new LinuxSerialConnector(new SerialLineSettings { PortName = line.B, BaudRate = 38400, Parity = System.IO.Ports.Parity.None }),
            FacilityGateway.Modbus.Framing.RtuFraming.Instance, new ModbusTransportOptions { ResponseTimeout = TimeSpan.FromSeconds(5) });
        var client = new FacilityGateway.Modbus.Client.ModbusClient(transport, FacilityGateway.Modbus.Client.ModbusRetryPolicy.None, TimeProvider.System, ownsTransport: false);
        var registers = new ushort[10];
        for (int i = 0; i < 1000; i++)
        {
            Array.Clear(registers);
            await client.ReadHoldingRegistersAsync(1, 0, registers);
            Assert.Equal(999, registers[9]);
            Assert.Equal(111, registers[1]);
        }
    }

    [Fact]
    public async Task WaitingRead_DoesNotWakeTheReceiveThread_AndCancellationEndsItAtOnce()
    {
        await using var line = await PtyPair.OpenAsync();
        await using var a = await OpenAsync(line.A);
        string thread = "serial " + line.A.Replace("/dev/", "", StringComparison.Ordinal);
        long before = WakeUps(thread);

        using var cancel = new CancellationTokenSource();
        var read = a.Stream.ReadAsync(new byte[16], cancel.Token).AsTask();
        await Task.Delay(500); // a read waiting for half a second on a silent line: the thing measured here
        long wakeUps = WakeUps(thread) - before;
        Assert.False(read.IsCompleted);
        // System.IO.Ports' loop would have woken about 500 times by now.
        Assert.True(wakeUps <= 5, $"the receive thread woke {wakeUps} times in 500 ms of silence");

        var clock = Stopwatch.StartNew();
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => read);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"cancelled read took {clock.Elapsed} to end");
    }

    [Fact]
    public async Task TheOtherEndHangingUp_FailsAWaitingRead_WithAnIOError()
    {
        var line = await PtyPair.OpenAsync();
        await using var a = await OpenAsync(line.A);
        var read = a.Stream.ReadAsync(new byte[16]).AsTask();
        await line.DisposeAsync(); // socat exits: the pseudo-terminal hangs up, as an unplugged USB adapter does
        var ex = await Assert.ThrowsAsync<IOException>(() => read.WaitAsync(Wait));
        Assert.Contains(line.A, ex.Message, StringComparison.Ordinal);
        // And it stays failed (the transport reopens the port), rather than spinning on the hang-up.
        await Assert.ThrowsAsync<IOException>(async () => await a.Stream.ReadAsync(new byte[16]).AsTask().WaitAsync(Wait));
    }

    /// <summary>Voluntary context switches of this process's thread with that name (how often it went to sleep and woke).</summary>
    private static long WakeUps(string threadName)
    {
        foreach (var task in Directory.GetDirectories("/proc/self/task"))
        {
            if (File.ReadAllText(Path.Combine(task, "comm")).Trim() != threadName[..Math.Min(15, threadName.Length)])
                continue;
            var line = File.ReadLines(Path.Combine(task, "status")).First(l => l.StartsWith("voluntary_ctxt_switches:", StringComparison.Ordinal));
            return long.Parse(line.Split(':')[1].Trim(), System.Globalization.CultureInfo.InvariantCulture);
        }
        throw new InvalidOperationException($"no thread named '{threadName}'");
    }
}

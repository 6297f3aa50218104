using FacilityGateway.Modbus.Client;
using FacilityGateway.Modbus.Framing;
using FacilityGateway.Modbus.Protocol;
using FacilityGateway.Modbus.Testing;
using FacilityGateway.Modbus.Transport;
using Microsoft.Extensions.Time.Testing;

namespace FacilityGateway.Modbus.Tests;

public class TransportTests
{
    /// <summary>
    /// A transport over a scripted peer that answers at once. The generous response timeout keeps a CI machine that
    /// stalls for a second from turning these tests into timeouts; the timeout itself is tested with FakeTimeProvider.
    /// </summary>
    private static ModbusStreamTransport Scripted(IModbusConnector connector, IModbusFraming framing) =>
        new(connector, framing, new ModbusTransportOptions { ResponseTimeout = TimeSpan.FromSeconds(30) });

    private static readonly ushort[] Expected = [555, 0, 100];

    /// <summary>Answers "read 3 holding registers" with 555, 0, 100 in the framing of the request.</summary>
    private static byte[] Answer(byte[] request, IModbusFraming framing)
    {
        var adu = new byte[64];
        byte[] pdu = Convert.FromHexString("0306022B00000064");
        pdu.CopyTo(adu, framing.PduOffset);
        ushort tid = framing is MbapFraming ? (ushort)(request[0] << 8 | request[1]) : (ushort)0;
        int length = framing.Seal(adu, request[framing.PduOffset - 1], tid, pdu.Length);
        return adu[..length];
    }

    public static TheoryData<string> Framings => new() { "mbap", "rtu" };

    private static IModbusFraming FramingOf(string name) => name == "rtu" ? RtuFraming.Instance : MbapFraming.Instance;

    [Theory]
    [MemberData(nameof(Framings))]
    public async Task Read_ResponseSplitAtEveryBytePosition_IsReassembled(string framingName)
    {
        var framing = FramingOf(framingName);
        int frameLength = Answer(new byte[16], framing).Length;
        for (int split = 1; split < frameLength; split++)
        {
            int first = split;
            var connector = new ScriptedConnector(r => Answer(r, framing), chunkSize: n => n == 0 ? first : int.MaxValue);
            await using var client = new ModbusClient(Scripted(connector, framing), ModbusRetryPolicy.None);
            var registers = new ushort[3];
            await client.ReadHoldingRegistersAsync(1, 107, registers);
            Assert.Equal(Expected, registers);
        }
    }

    [Theory]
    [MemberData(nameof(Framings))]
    public async Task Read_ResponseArrivingOneByteAtATime_IsReassembled(string framingName)
    {
        var framing = FramingOf(framingName);
        var connector = new ScriptedConnector(r => Answer(r, framing), chunkSize: _ => 1);
        await using var client = new ModbusClient(Scripted(connector, framing), ModbusRetryPolicy.None);
        var registers = new ushort[3];
        await client.ReadHoldingRegistersAsync(1, 107, registers);
        Assert.Equal(Expected, registers);
    }

    [Theory]
    [MemberData(nameof(Framings))]
    public async Task Read_ResponseNeverComes_TimesOutAtTheResponseTimeout(string framingName)
    {
        var time = new FakeTimeProvider();
        var connector = new ScriptedConnector(_ => [], hangWhenEmpty: true);
        var options = new ModbusTransportOptions { ResponseTimeout = TimeSpan.FromMilliseconds(500) };
        await using var client = new ModbusClient(new ModbusStreamTransport(connector, FramingOf(framingName), options, time), ModbusRetryPolicy.None, time);

        var read = client.ReadHoldingRegistersAsync(1, 0, 3).AsTask();
        await WaitUntil(() => connector.Requests.Count == 1);
        time.Advance(TimeSpan.FromMilliseconds(499));
        await Task.Yield();
        Assert.False(read.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(1));
        await Assert.ThrowsAsync<ModbusTimeoutException>(() => read);
    }

    [Fact]
    public async Task Tcp_WrongTransactionId_IsFramingError_NeverAValue()
    {
        var connector = new ScriptedConnector(r =>
        {
            var answer = Answer(r, MbapFraming.Instance);
            answer[1] ^= 0x01;
            return answer;
        });
        await using var client = new ModbusClient(Scripted(connector, MbapFraming.Instance), ModbusRetryPolicy.None);
        var ex = await Assert.ThrowsAsync<ModbusFramingException>(() => client.ReadHoldingRegistersAsync(1, 107, 3).AsTask());
        Assert.Equal(ModbusFramingError.TransactionId, ex.Error);
    }

    [Theory]
    [InlineData(2, 0x01, ModbusFramingError.ProtocolId)]
    [InlineData(5, 0x20, ModbusFramingError.Length)]
    [InlineData(6, 0x09, ModbusFramingError.UnitId)]
    public async Task Tcp_BadHeaderField_IsFramingError(int offset, byte xor, ModbusFramingError expected)
    {
        var connector = new ScriptedConnector(r =>
        {
            var answer = Answer(r, MbapFraming.Instance);
            answer[offset] ^= xor;
            return answer;
        });
        await using var client = new ModbusClient(Scripted(connector, MbapFraming.Instance), ModbusRetryPolicy.None);
        var ex = await Assert.ThrowsAnyAsync<ModbusTransportException>(() => client.ReadHoldingRegistersAsync(1, 107, 3).AsTask());
        // A length that grows past the bytes sent ends in EOF: the peer closed mid-frame.
        Assert.True(ex is ModbusFramingException f ? f.Error == expected : ex is ModbusConnectionException, ex.ToString());
    }

    [Fact]
    public async Task Rtu_BadCrc_IsFramingError()
    {
        var connector = new ScriptedConnector(r =>
        {
            var answer = Answer(r, RtuFraming.Instance);
            answer[^1] ^= 0xFF;
            return answer;
        });
        await using var client = new ModbusClient(Scripted(connector, RtuFraming.Instance), ModbusRetryPolicy.None);
        var ex = await Assert.ThrowsAsync<ModbusFramingException>(() => client.ReadHoldingRegistersAsync(1, 107, 3).AsTask());
        Assert.Equal(ModbusFramingError.Crc, ex.Error);
    }

    [Fact]
    public async Task Rtu_ExceptionFrame_IsServerException()
    {
        var connector = new ScriptedConnector(_ =>
        {
            var adu = new byte[] { 1, 0x83, 0x02, 0, 0 };
            Crc16.Append(adu, 3);
            return adu;
        });
        await using var client = new ModbusClient(Scripted(connector, RtuFraming.Instance), ModbusRetryPolicy.None);
        var ex = await Assert.ThrowsAsync<ModbusServerException>(() => client.ReadHoldingRegistersAsync(1, 107, 3).AsTask());
        Assert.Equal(ModbusExceptionCode.IllegalDataAddress, ex.Code);
    }

    [Fact]
    public async Task ConnectionLost_IsReopenedOnNextRequest()
    {
        int calls = 0;
        var connector = new ScriptedConnector(r => ++calls == 1 ? [] : Answer(r, MbapFraming.Instance));
        await using var client = new ModbusClient(Scripted(connector, MbapFraming.Instance), ModbusRetryPolicy.None);
        await Assert.ThrowsAsync<ModbusConnectionException>(() => client.ReadHoldingRegistersAsync(1, 107, 3).AsTask());
        Assert.Equal(Expected, await client.ReadHoldingRegistersAsync(1, 107, 3));
        Assert.Equal(2, connector.Connects);
    }

    [Fact]
    public async Task Fuzz_RandomAndMutatedFrames_GiveOnlyValuesOrModbusExceptions()
    {
        var fuzzer = new FrameFuzzer(seed: 20261126);
        await fuzzer.RunAsync(20_000);
        Assert.True(fuzzer.Defects == 0, fuzzer.FirstDefect);
        Assert.True(fuzzer.ModbusErrors > 10_000, $"only {fuzzer.ModbusErrors} errors: the fuzz is not reaching the checks");
        Assert.True(fuzzer.Values > 0, "no mutated frame decoded: the fuzz never reaches the value path");
    }

    [Fact]
    public void SilentInterval_Is3Point5Characters_Or1750usAbove19200()
    {
        var slow = new SerialLineSettings { PortName = "/dev/null", BaudRate = 9600, Parity = System.IO.Ports.Parity.Even };
        Assert.Equal(3.5 * 11 / 9600, slow.InterFrameDelay.TotalSeconds, 6);
        var fast = slow with { BaudRate = 38400 };
        Assert.Equal(TimeSpan.FromMicroseconds(1750), fast.InterFrameDelay);
        var noParity = slow with { Parity = System.IO.Ports.Parity.None };
        Assert.Equal(3.5 * 10 / 9600, noParity.InterFrameDelay.TotalSeconds, 6);
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        for (int i = 0; i < 1000 && !condition(); i++)
            await Task.Yield();
        Assert.True(condition());
    }
}

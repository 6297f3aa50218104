using FacilityGateway.Modbus.Client;
using FacilityGateway.Modbus.Framing;
using FacilityGateway.Modbus.Protocol;
using FacilityGateway.Modbus.Transport;

namespace FacilityGateway.Modbus.Testing;

/// <summary>
/// Feeds random and mutated response frames to a real client (MBAP and RTU) and sorts the outcomes. Anything other
/// than a value or a <see cref="ModbusException"/> is a defect and is counted as such, with the first input kept.
/// </summary>
public sealed class FrameFuzzer(int seed)
{
    private readonly Random _random = new(seed);

    public long Values { get; private set; }
    public long ModbusErrors { get; private set; }
    public long Defects { get; private set; }
    public string? FirstDefect { get; private set; }

    public async Task RunAsync(int inputs)
    {
        var registers = new ushort[10];
        for (int i = 0; i < inputs; i++)
        {
            bool rtu = (i & 1) == 0;
            byte[] response = (i & 2) == 0 ? RandomFrame() : MutatedValidFrame(rtu);
            var connector = new ScriptedConnector(request => Answer(request, response, rtu));
            var transport = new ModbusStreamTransport(connector, rtu ? RtuFraming.Instance : MbapFraming.Instance);
            await using var client = new ModbusClient(transport, ModbusRetryPolicy.None);
            try
            {
                await client.ReadHoldingRegistersAsync(1, 0, registers);
                Values++;
            }
            catch (ModbusException)
            {
                ModbusErrors++;
            }
            catch (Exception ex)
            {
                Defects++;
                FirstDefect ??= $"{(rtu ? "RTU" : "MBAP")} {Convert.ToHexString(response)}: {ex}";
            }
        }
    }

    /// <summary>For MBAP half the random frames borrow the request's transaction id so the fuzz gets past the header.</summary>
    private byte[] Answer(byte[] request, byte[] response, bool rtu)
    {
        if (!rtu && response.Length >= 2 && _random.Next(2) == 0)
        {
            response = (byte[])response.Clone();
            response[0] = request[0];
            response[1] = request[1];
        }
        return response;
    }

    private byte[] RandomFrame()
    {
        var frame = new byte[_random.Next(0, 300)];
        _random.NextBytes(frame);
        return frame;
    }

    private byte[] MutatedValidFrame(bool rtu)
    {
        // A correct answer to "read 10 holding registers of unit 1 from 0", then 1..3 bytes changed, cut or extended.
        var pdu = new byte[22];
        pdu[0] = 0x03;
        pdu[1] = 20;
        _random.NextBytes(pdu.AsSpan(2));
        var adu = new byte[300];
        IModbusFraming framing = rtu ? RtuFraming.Instance : MbapFraming.Instance;
        pdu.CopyTo(adu, framing.PduOffset);
        int length = framing.Seal(adu, 1, 1, pdu.Length);
        int mutations = _random.Next(1, 4);
        for (int m = 0; m < mutations; m++)
        {
            switch (_random.Next(3))
            {
                case 0: adu[_random.Next(length)] ^= (byte)(1 << _random.Next(8)); break;
                case 1: adu[_random.Next(length)] = (byte)_random.Next(256); break;
                default: length = Math.Clamp(length + _random.Next(-5, 6), 0, adu.Length); break;
            }
        }
        return adu[..length];
    }
}

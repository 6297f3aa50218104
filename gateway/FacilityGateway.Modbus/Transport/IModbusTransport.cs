namespace FacilityGateway.Modbus.Transport;

/// <summary>
/// Carries one request PDU to a unit and its response PDU back. Implementations serialise exchanges (one request in
/// flight per line), keep the line's timing, and translate every socket, serial and I/O error into
/// <see cref="Protocol.ModbusTransportException"/> kinds.
/// </summary>
public interface IModbusTransport : IAsyncDisposable
{
    /// <summary>A short description of the line for messages, such as <c>tcp://10.0.0.5:502</c>.</summary>
    string Description { get; }

    /// <summary>
    /// Sends <paramref name="request"/> to <paramref name="unitId"/> and copies the response PDU into
    /// <paramref name="response"/>; returns its length, or 0 for a broadcast, which has no response.
    /// <paramref name="responseTimeout"/> overrides the transport's default when positive (devices on one line may differ).
    /// </summary>
    ValueTask<int> ExchangeAsync(byte unitId, ReadOnlyMemory<byte> request, Memory<byte> response, TimeSpan responseTimeout, CancellationToken cancellationToken);
}

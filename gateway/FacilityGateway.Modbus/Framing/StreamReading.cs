using System.Runtime.CompilerServices;

namespace FacilityGateway.Modbus.Framing;

/// <summary>
/// Reads exactly N bytes. Unlike <see cref="Stream.ReadExactlyAsync(Memory{byte}, CancellationToken)"/> its state
/// machine is pooled, so a read that completes asynchronously (the usual case on a socket) allocates nothing.
/// </summary>
internal static class StreamReading
{
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public static async ValueTask ReadExactAsync(this Stream stream, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        while (!buffer.IsEmpty)
        {
            int read = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            if (read == 0)
                throw new EndOfStreamException("The peer closed the stream in the middle of a frame.");
            buffer = buffer[read..];
        }
    }
}

using FacilityGateway.Modbus.Transport;

namespace FacilityGateway.Modbus.Testing;

/// <summary>
/// The lowest byte-level boundary, faked: a connector whose stream records what the client writes and answers with
/// bytes computed from the request, delivered in chunks of chosen sizes. When the answer is used up the stream either
/// ends (EOF) or waits until cancelled (a device that never answers).
/// </summary>
public sealed class ScriptedConnector(Func<byte[], byte[]> respond, Func<int, int>? chunkSize = null, bool hangWhenEmpty = false) : IModbusConnector
{
    internal Func<byte[], byte[]> Respond { get; } = respond;
    internal Func<int, int>? ChunkSize { get; } = chunkSize;
    internal bool HangWhenEmpty { get; } = hangWhenEmpty;

    public string Description => "scripted://";
    public TimeSpan InterFrameDelay => TimeSpan.Zero;
    public int Connects { get; private set; }
    public List<byte[]> Requests { get; } = [];

    public ValueTask<IModbusConnection> ConnectAsync(CancellationToken cancellationToken)
    {
        Connects++;
        return ValueTask.FromResult<IModbusConnection>(new Connection(new ScriptedStream(this)));
    }

    private sealed class Connection(Stream stream) : IModbusConnection
    {
        public Stream Stream => stream;
        public bool ReusableAfterError => false;
        public void DiscardInput() { }
        public ValueTask DisposeAsync() => stream.DisposeAsync();
    }

    private sealed class ScriptedStream(ScriptedConnector owner) : Stream
    {
        private byte[] _pending = [];
        private int _position;
        private int _reads;

        public override bool CanRead => true;
        public override bool CanWrite => true;
        public override bool CanSeek => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("async only");
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("async only");

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var request = buffer.ToArray();
            owner.Requests.Add(request);
            _pending = owner.Respond(request);
            _position = 0;
            return ValueTask.CompletedTask;
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await Task.Yield();
            if (_position >= _pending.Length)
            {
                if (!owner.HangWhenEmpty)
                    return 0;
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            int size = Math.Max(1, owner.ChunkSize?.Invoke(_reads++) ?? int.MaxValue);
            int n = Math.Min(Math.Min(size, buffer.Length), _pending.Length - _position);
            _pending.AsSpan(_position, n).CopyTo(buffer.Span);
            _position += n;
            return n;
        }
    }
}

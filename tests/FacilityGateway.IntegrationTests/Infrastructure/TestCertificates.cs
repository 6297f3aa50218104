namespace FacilityGateway.IntegrationTests.Infrastructure;

/// <summary>
/// A test CA, a server certificate for 127.0.0.1 / localhost and a client certificate (CN facility-gateway), made with
/// openssl in a temporary folder.
/// </summary>
public sealed class TestCertificates : IDisposable
{
    private TestCertificates(string directory) => Directory = directory;

    public string Directory { get; }
    public string CaFile => Path.Combine(Directory, "ca.pem");
    public string ServerCertificate => Path.Combine(Directory, "server.pem");
    public string ServerKey => Path.Combine(Directory, "server.key");
    public string ClientCertificate => Path.Combine(Directory, "client.pem");
    public string ClientKey => Path.Combine(Directory, "client.key");

    public static async Task<TestCertificates> CreateAsync()
    {
        string openssl = PeerTools.Require("openssl", "openssl");
        string dir = System.IO.Directory.CreateTempSubdirectory("fg-tls-").FullName;
        await File.WriteAllTextAsync(Path.Combine(dir, "san.ext"), "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n");
        await File.WriteAllTextAsync(Path.Combine(dir, "client.ext"), "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n");
        foreach (var args in new[]
        {
            new[] { "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=FacilityGateway test CA" },
            new[] { "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost" },
            new[] { "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "san.ext" },
            new[] { "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "client.key", "-out", "client.csr", "-subj", "/CN=facility-gateway" },
            new[] { "x509", "-req", "-in", "client.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "client.pem", "-days", "2", "-extfile", "client.ext" },
        })
        {
            var (code, output) = await PeerProcess.RunAsync(TimeSpan.FromSeconds(60), openssl, args, dir);
            Assert.True(code == 0, $"openssl {string.Join(' ', args)}: {output}");
        }
        return new TestCertificates(dir);
    }

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);
}

using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using FacilityGateway.Dashboard;
using FacilityGateway.IntegrationTests.Infrastructure;
using FacilityGateway.Modbus.Protocol;
using FacilityGateway.Modbus.Server;
using Microsoft.Extensions.DependencyInjection;

namespace FacilityGateway.IntegrationTests;

/// <summary>The dashboard is a window on the gateway, not its job: a port already taken must not stop the polling.</summary>
public sealed class DashboardHostingTests
{
    [Fact]
    public async Task PortAlreadyTaken_TheGatewayPollsOn_WithoutTheDashboard()
    {
        using var squatter = new TcpListener(IPAddress.Loopback, 0);
        squatter.Start();
        int taken = ((IPEndPoint)squatter.LocalEndpoint).Port;
        var store = new ModbusDataStore(1);
        store[1].SetRegister(ModbusTable.HoldingRegisters, 0, 42);
        await using var modbus = new ModbusTcpServer(store);
        modbus.Start();

        await using var gateway = await GatewayUnderTest.StartAsync($$"""
            gateway: { id: gw, site: site }
            logging: { level: warning }
            assets: [{ id: a, name: A, type: other }]
            devices: [{ id: d, asset: a, endpoint: "tcp://127.0.0.1:{{modbus.LocalEndPoint.Port}}", unit: 1, interval: 100ms, points: [{ id: v, holding: 0 }] }]
            dashboard: { enabled: true, listen: "127.0.0.1:{{taken}}" }
            """);
        await gateway.Recorder.WaitForDeviceAsync("d", 5, TimeSpan.FromSeconds(30));
        Assert.Null(gateway.Services.GetRequiredService<DashboardService>().Address);
        Assert.Equal(42, gateway.Recorder.Batches.Last(b => b.Batch.DeviceId == "d").Batch.Readings.Single(r => r.PointId == "v").Value);
    }

    [Fact]
    public async Task Https_WithTheSitesCertificate_SignInOverTls_TheSessionCookieIsSecure()
    {
        using var certificates = await TestCertificates.CreateAsync();
        string passwords = Path.Combine(certificates.Directory, "dashboard-passwords");
        await File.WriteAllTextAsync(passwords, DashboardPeople.HashLine("sam", "correct-horse-1") + "\n");
        await using var gateway = await GatewayUnderTest.StartAsync($$"""
            gateway: { id: gw, site: site }
            logging: { level: warning }
            on_call: { primary: [sam], contacts: { sam: { name: Sam } } }
            assets: [{ id: a, name: A, type: other }]
            dashboard: { enabled: true, listen: "127.0.0.1:0", passwords_file: {{passwords}}, tls: { certificate_file: {{certificates.ServerCertificate}}, key_file: {{certificates.ServerKey}} } }
            """);
        var address = gateway.Services.GetRequiredService<DashboardService>().Address!;
        Assert.Equal("https", address.Scheme);
        using var ca = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificateFromFile(certificates.CaFile);
        using var handler = new HttpClientHandler
        {
            UseCookies = false,
            ServerCertificateCustomValidationCallback = (_, certificate, _, _) =>
            {
                using var chain = new System.Security.Cryptography.X509Certificates.X509Chain();
                chain.ChainPolicy.TrustMode = System.Security.Cryptography.X509Certificates.X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.Add(ca);
                chain.ChainPolicy.RevocationMode = System.Security.Cryptography.X509Certificates.X509RevocationMode.NoCheck;
                return certificate is not null && chain.Build(certificate);
            },
        };
        using var http = new HttpClient(handler) { BaseAddress = address };
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/")).StatusCode);
        using var signIn = await http.PostAsJsonAsync("/api/signin", new { person = "sam", password = "correct-horse-1" });
        Assert.Equal(HttpStatusCode.NoContent, signIn.StatusCode);
        string cookie = Assert.Single(signIn.Headers.GetValues("Set-Cookie"));
        Assert.Contains("secure", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
    }
}

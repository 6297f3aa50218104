using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;

namespace FacilityGateway.Web;

/// <summary>
/// Kestrel beside the worker on one <c>host:port</c> (ASP.NET Core minimal APIs, <c>CreateSlimBuilder</c>), for the
/// dashboard and for monitoring: requests are not logged (the gateway logs what matters), and a port it cannot take
/// is said once while the gateway runs on without it: a web page is a window on the gateway, not its job.
/// </summary>
public sealed class LocalWebServer : IAsyncDisposable
{
    private WebApplication? _app;

    /// <summary>Where it listens once started (the real port when asked for port 0, 127.0.0.1 for 0.0.0.0); null when not.</summary>
    public Uri? Address { get; private set; }

    /// <summary>
    /// A builder listening on <paramref name="listen"/>: plain HTTP, or HTTPS with <paramref name="certificate"/> (a PEM
    /// certificate and key the site issued; the files are read at start, so a renewed certificate counts at the next).
    /// </summary>
    public static WebApplicationBuilder CreateBuilder(string applicationName, string listen, (string CertificateFile, string KeyFile)? certificate = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = applicationName });
        builder.Logging.ClearProviders();
        if (certificate is { } files)
        {
            builder.WebHost.UseKestrelHttpsConfiguration();
            builder.WebHost.UseUrls($"https://{listen}");
            builder.WebHost.ConfigureKestrel(kestrel => kestrel.ConfigureHttpsDefaults(https =>
                https.ServerCertificate = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPemFile(files.CertificateFile, files.KeyFile)));
        }
        else
        {
            builder.WebHost.UseUrls($"http://{listen}");
        }
        return builder;
    }

    /// <summary>Starts <paramref name="app"/>: null when it listens, else why it cannot (the port is taken, the address is not this machine's).</summary>
    public async Task<string?> StartAsync(WebApplication app, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(app);
        _app = app;
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
        {
            await app.DisposeAsync().ConfigureAwait(false);
            _app = null;
            return ex.GetBaseException().Message;
        }
        string url = app.Urls.First();
        Address = new Uri(url.Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal).Replace("[::]", "127.0.0.1", StringComparison.Ordinal).Replace("://localhost", "://127.0.0.1", StringComparison.Ordinal));
        return null;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_app is not null)
            await _app.StopAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
            await _app.DisposeAsync().ConfigureAwait(false);
        _app = null;
    }
}

using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using MQTTnet;

namespace FacilityGateway.Sinks.Mqtt;

/// <summary>TLS for the broker: a private CA, an optional client certificate, and the host-name check.</summary>
internal static class MqttTls
{
    public static void Configure(MqttClientTlsOptionsBuilder tls, MqttTlsOptions options, string host)
    {
        tls.UseTls().WithTargetHost(host).WithSslProtocols(System.Security.Authentication.SslProtocols.Tls12 | System.Security.Authentication.SslProtocols.Tls13);
        if (options.ClientCertificate is { } certificate)
        {
            using var pem = X509Certificate2.CreateFromPemFile(certificate, options.ClientKey);
            // Exported and re-imported so the private key is usable by SslStream on every platform.
            var client = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
            tls.WithClientCertificates([client]);
        }
        X509Certificate2? ca = options.CaFile is { } caFile ? X509CertificateLoader.LoadCertificateFromFile(caFile) : null;
        tls.WithCertificateValidationHandler(e => Validate(e.Certificate, e.SslPolicyErrors, ca, options.CheckHostName));
    }

    /// <summary>
    /// Loads the configured files as <see cref="Configure"/> does and says which one it cannot use, so that 'validate'
    /// refuses a certificate the connection would refuse at every attempt.
    /// </summary>
    internal static (string Key, string Message)? LoadProblem(MqttTlsOptions options)
    {
        string key = "ca_file";
        try
        {
            if (options.CaFile is { } caFile)
                X509CertificateLoader.LoadCertificateFromFile(caFile).Dispose();
            key = "client_certificate";
            if (options.ClientCertificate is { } certificate)
                X509Certificate2.CreateFromPemFile(certificate, options.ClientKey).Dispose();
            return null;
        }
        catch (Exception ex) when (ex is System.Security.Cryptography.CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            return (key, $"cannot use this file: {ex.Message.TrimEnd('.')}");
        }
    }

    /// <summary>Accepts the broker when its chain ends in the configured CA (or the system store) and, if asked, it names the host.</summary>
    internal static bool Validate(X509Certificate? certificate, SslPolicyErrors errors, X509Certificate2? ca, bool checkHostName)
    {
        if (certificate is null)
            return false;
        if (checkHostName && errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
            return false;
        if (ca is null)
            return (errors & ~SslPolicyErrors.RemoteCertificateNameMismatch) == SslPolicyErrors.None;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var presented = new X509Certificate2(certificate);
        return chain.Build(presented);
    }
}

using FacilityGateway.Configuration.Yaml;

namespace FacilityGateway.Dashboard;

/// <summary>The live dashboard under <c>dashboard:</c>: readings, open tickets, and acknowledging from a browser.</summary>
public sealed class DashboardOptions : ConfigNode
{
    /// <summary>Serve the dashboard.</summary>
    public bool Enabled { get; init; }

    /// <summary>Address and port, <c>host:port</c>; 0.0.0.0 to be reached from the building's network, port 0 for any free one.</summary>
    public string Listen { get; init; } = "127.0.0.1:8080";

    /// <summary>
    /// The token a technician types to act on tickets from the dashboard (<c>${DASHBOARD_TOKEN}</c> or
    /// <c>action_token_file:</c>); without it the dashboard is read-only.
    /// </summary>
    public string? ActionToken { get; init; }

    /// <summary>
    /// Personal sign-in: a file of <c>person:hash</c> lines (<c>facility-gateway dashboard password PERSON</c>), people
    /// being on-call contacts; their role comes from <c>control.people</c>. Signed in, a person acts as themselves and
    /// sees the controls their role may use.
    /// </summary>
    [FilePath]
    public string? PasswordsFile { get; init; }

    /// <summary>
    /// With personal sign-in (<c>passwords_file</c>), whether people who are not signed in may still see readings,
    /// trends, the register and tickets (a screen in the control room). Off: they see the sign-in form only. Without
    /// a passwords file the dashboard is read-only to all who reach it (keep it on 127.0.0.1 or the building's network).
    /// </summary>
    public bool PublicView { get; init; }

    /// <summary>HTTPS with a certificate the site issued (PEM files): a phone on the building's Wi-Fi signs in over TLS.</summary>
    public DashboardTlsOptions? Tls { get; init; }

    /// <summary>The local trend history (hour, day and week of every point) the dashboard draws.</summary>
    public History.TrendHistoryOptions History { get; init; } = new();
}

/// <summary><c>dashboard.tls:</c>: the server certificate and its private key, PEM.</summary>
public sealed class DashboardTlsOptions : ConfigNode
{
    /// <summary>The certificate (with its chain), PEM.</summary>
    [RequiredKey, FilePath, Describe("add 'certificate_file:', for example certificate_file: /etc/facility-gateway/dashboard.pem")]
    public string CertificateFile { get; init; } = "";

    /// <summary>Its private key, PEM, readable by the gateway's user only.</summary>
    [RequiredKey, FilePath, Describe("add 'key_file:', for example key_file: /etc/facility-gateway/dashboard.key")]
    public string KeyFile { get; init; } = "";
}

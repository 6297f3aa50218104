using FacilityGateway.IntegrationTests.Infrastructure;
using Microsoft.Playwright;

namespace FacilityGateway.BrowserTests.Infrastructure;

/// <summary>A test class that drives Debian's headless Chromium (test.sh installs it) with Playwright, one browser per class.</summary>
public abstract class ChromiumTest : IAsyncLifetime
{
    private IPlaywright? _playwright;
    private IBrowser? _browser;

    /// <summary>Playwright, for requests outside any page (no cookies).</summary>
    protected IPlaywright Playwright => _playwright ?? throw new InvalidOperationException("Playwright is not started.");

    /// <summary>The browser, once started.</summary>
    protected IBrowser Browser => _browser ?? throw new InvalidOperationException("Chromium is not started.");

    /// <summary>Where the tests save their screenshots (docs/DASHBOARD.md shows them).</summary>
    protected static string Screenshots
    {
        get
        {
            string shots = Path.Combine(AppContext.BaseDirectory, "screenshots");
            Directory.CreateDirectory(shots);
            return shots;
        }
    }

    public async Task InitializeAsync()
    {
        string chromium = PeerTools.Require("/usr/bin/chromium", "chromium");
        _playwright = await Microsoft.Playwright.Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-dev-shm-usage"], // tests run as root in a container
        });
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null)
            await _browser.DisposeAsync();
        _playwright?.Dispose();
    }
}

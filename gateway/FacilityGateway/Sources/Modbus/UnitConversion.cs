namespace FacilityGateway.Sources.Modbus;

/// <summary>
/// Factors between units of one quantity, for moving a profile's deadband and range into the unit a device is
/// rescaled to (a flow meter set to L/s where the profile reads m³/h). Only linear units: a temperature's offset (°C to
/// °F) is not a factor, so such a rescale must give its deadband and range itself.
/// </summary>
internal static class UnitConversion
{
    private static readonly Dictionary<string, (string Quantity, double ToBase)> Units = new(StringComparer.Ordinal)
    {
        ["m3/h"] = ("flow", 1), ["L/s"] = ("flow", 3.6), ["l/s"] = ("flow", 3.6), ["L/min"] = ("flow", 0.06), ["l/min"] = ("flow", 0.06),
        ["m3/s"] = ("flow", 3600), ["m3/min"] = ("flow", 60), ["L/h"] = ("flow", 0.001), ["l/h"] = ("flow", 0.001),
        ["W"] = ("power", 1), ["kW"] = ("power", 1e3), ["MW"] = ("power", 1e6),
        ["VA"] = ("apparent", 1), ["kVA"] = ("apparent", 1e3), ["var"] = ("reactive", 1), ["kvar"] = ("reactive", 1e3),
        ["Wh"] = ("energy", 1), ["kWh"] = ("energy", 1e3), ["MWh"] = ("energy", 1e6),
        ["Pa"] = ("pressure", 1), ["kPa"] = ("pressure", 1e3), ["MPa"] = ("pressure", 1e6), ["bar"] = ("pressure", 1e5), ["mbar"] = ("pressure", 100), ["psi"] = ("pressure", 6894.757293168),
        ["L"] = ("volume", 0.001), ["l"] = ("volume", 0.001), ["m3"] = ("volume", 1),
        ["A"] = ("current", 1), ["mA"] = ("current", 1e-3), ["V"] = ("voltage", 1), ["kV"] = ("voltage", 1e3), ["mV"] = ("voltage", 1e-3),
        ["Hz"] = ("frequency", 1), ["kHz"] = ("frequency", 1e3), ["mm"] = ("length", 1e-3), ["cm"] = ("length", 1e-2), ["m"] = ("length", 1),
        ["s"] = ("time", 1), ["min"] = ("time", 60), ["h"] = ("time", 3600),
    };

    /// <summary>What a value in <paramref name="from"/> is multiplied by to be in <paramref name="to"/>, or null when there is no such factor.</summary>
    public static double? Factor(string from, string to)
    {
        if (Normal(from) == Normal(to))
            return 1;
        return Units.TryGetValue(Normal(from), out var a) && Units.TryGetValue(Normal(to), out var b) && a.Quantity == b.Quantity ? a.ToBase / b.ToBase : null;
    }

    private static string Normal(string unit) => unit.Trim().Replace('³', '3').Replace("m^3", "m3", StringComparison.Ordinal);
}

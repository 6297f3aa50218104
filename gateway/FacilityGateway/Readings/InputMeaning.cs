namespace FacilityGateway.Readings;

/// <summary>
/// What a contact (a GPIO input, or a Modbus coil, discrete input or bit) means: it chooses the word in its readings
/// ("wet"/"dry") and, for a leak probe, the alarm defaults (a state alarm latched, P1, 5 s on-delay).
/// </summary>
public enum InputMeaning { Leak, Running, OnOff, OpenClosed }

/// <summary>The words of a contact's states.</summary>
public static class InputMeanings
{
    public static string Word(this InputMeaning meaning, bool active) => meaning switch
    {
        InputMeaning.Leak => active ? "wet" : "dry",
        InputMeaning.Running => active ? "running" : "stopped",
        InputMeaning.OnOff => active ? "on" : "off",
        _ => active ? "open" : "closed",
    };
}

using FacilityGateway.Configuration;
using FacilityGateway.Tickets;

namespace FacilityGateway.Commands.Writes;

/// <summary>Remote control's part of the configuration: <c>control:</c> and its checks.</summary>
public static class ControlConfiguration
{
    private static readonly string[] Roles = ["viewer", "technician", "installer"];

    /// <summary>Adds <c>control:</c>.</summary>
    public static void Register(ConfigurationRegistry registry) => registry
        .AddSection<ControlOptions>("control")
        .AddCheck(Check);

    /// <summary>Who may write, and whether anything may be written.</summary>
    public static ControlOptions Control(this GatewayConfig config) => config.Section<ControlOptions>();

    private static void Check(ValidationContext context)
    {
        var control = context.Config.Control();
        var contacts = context.Config.OnCall().Contacts;
        foreach (var (person, role) in control.People)
        {
            if (!contacts.ContainsKey(person))
                context.Errors.Error(control.OriginOf("people"), control.PathOf($"people.{person}"), $"'{person}' is not an on-call contact",
                    $"add {person} under on_call.contacts, or use one of: {string.Join(", ", contacts.Keys)}");
            if (!Roles.Contains(role))
                context.Errors.Error(control.OriginOf("people"), control.PathOf($"people.{person}"), $"'{role}' is not a role", "viewer, technician or installer");
        }
    }
}

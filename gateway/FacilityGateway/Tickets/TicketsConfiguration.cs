using FacilityGateway.Configuration;
using FacilityGateway.Configuration.Yaml;

namespace FacilityGateway.Tickets;

/// <summary>The ticket desk's part of the configuration: <c>on_call:</c> and its checks.</summary>
public static class TicketsConfiguration
{
    /// <summary>Adds <c>on_call:</c>.</summary>
    public static void Register(ConfigurationRegistry registry) => registry
        .AddSection<OnCallOptions>("on_call")
        .AddCheck(Check);

    /// <summary>The on-call rota and escalation.</summary>
    public static OnCallOptions OnCall(this GatewayConfig config) => config.Section<OnCallOptions>();

    private static void Check(ValidationContext context)
    {
        var errors = context.Errors;
        var onCall = context.Config.OnCall();
        if (onCall.P1SupervisorAfter <= onCall.P1SecondaryAfter)
            errors.Warning(onCall.OriginOf("p1_supervisor_after"), onCall.PathOf("p1_supervisor_after"),
                $"p1_supervisor_after ({Durations.Format(onCall.P1SupervisorAfter)}) is not after p1_secondary_after ({Durations.Format(onCall.P1SecondaryAfter)}): the supervisor is paged together with the secondary",
                "both count from the first page: for example p1_secondary_after: 10m, p1_supervisor_after: 20m");
        if (onCall.Calendar is { } calendar)
            foreach (var (key, entries) in new[] { ("holidays", calendar.Holidays), ("working_days", calendar.WorkingDays) })
                foreach (var entry in entries.Where(e => BusinessCalendar.Days(e) is null))
                    errors.Error(calendar.OriginOf(key), calendar.PathOf(key), $"'{entry}' is not a date or a range of dates",
                        "write 2026-10-01, or 2026-10-01..2026-10-07 for a holiday week (at most a year)");
        foreach (var person in onCall.Primary.Concat(onCall.Secondary).Append(onCall.Supervisor).OfType<string>().Distinct())
            if (!onCall.Contacts.ContainsKey(person))
                errors.Warning(onCall.OriginOf("contacts"), onCall.PathOf("contacts"), $"'{person}' is on the rota but has no contact details", $"add contacts: {{ {person}: {{ phone: ..., ntfy_topic: ... }} }}");
    }
}

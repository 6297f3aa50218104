using FacilityGateway.Configuration.Yaml;

namespace FacilityGateway.Tickets;

/// <summary>
/// The on-call rota: who is paged first, who next when nobody acknowledges. Weekly rotation from
/// <see cref="RotationStart"/> (a Monday), in the site's time zone.
/// </summary>
public sealed class OnCallOptions : ConfigNode
{
    /// <summary>The site's holidays and make-up working days, for business-day targets (P2: the next business day).</summary>
    public BusinessCalendarOptions? Calendar { get; init; }

    /// <summary>The first day of week 0 of the rotation.</summary>
    public DateOnly RotationStart { get; init; } = new(2026, 1, 5);

    /// <summary>Primary on-call, one per week, in turn.</summary>
    public IReadOnlyList<string> Primary { get; init; } = [];

    /// <summary>Secondary on-call, one per week, in turn.</summary>
    public IReadOnlyList<string> Secondary { get; init; } = [];

    /// <summary>The supervisor, last in line.</summary>
    public string? Supervisor { get; init; }

    /// <summary>Contacts by person: phone, email, ntfy topic.</summary>
    public IReadOnlyDictionary<string, OnCallContact> Contacts { get; init; } = new Dictionary<string, OnCallContact>();

    /// <summary>Unacknowledged P1: page the secondary after this long.</summary>
    public TimeSpan P1SecondaryAfter { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Unacknowledged P1: page the supervisor after this long.</summary>
    public TimeSpan P1SupervisorAfter { get; init; } = TimeSpan.FromMinutes(20);

    /// <summary>A resolved ticket whose alarm stayed normal this long is closed (the manual's follow-up).</summary>
    public TimeSpan FollowUp { get; init; } = TimeSpan.FromHours(24);

    /// <summary>Unacknowledged P2: page the secondary after this long.</summary>
    public TimeSpan P2SecondaryAfter { get; init; } = TimeSpan.FromHours(4);

    /// <summary>
    /// Unacknowledged P1 after its last escalation: page whoever it is assigned to again this often, until someone
    /// acknowledges it. A rota of one person is reminded too. <c>0s</c> turns it off.
    /// </summary>
    public TimeSpan? P1RepeatEvery { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Unacknowledged P2 after its last escalation: page again this often; off by default (it can wait for the morning).</summary>
    public TimeSpan? P2RepeatEvery { get; init; }

    /// <summary>A P1 ticket not resolved this long after it opened is overdue (an <c>overdue</c> event to its owner).</summary>
    public TimeSpan P1ResolveWithin { get; init; } = TimeSpan.FromHours(4);

    /// <summary>Resolution target of a P2 ticket.</summary>
    public TimeSpan P2ResolveWithin { get; init; } = TimeSpan.FromDays(3);

    /// <summary>Resolution target of a P3 ticket.</summary>
    public TimeSpan P3ResolveWithin { get; init; } = TimeSpan.FromDays(14);

    /// <summary>Resolution target of a P4 ticket (maintenance).</summary>
    public TimeSpan P4ResolveWithin { get; init; } = TimeSpan.FromDays(60);

    /// <summary>The resolution target of a priority.</summary>
    public TimeSpan ResolveWithin(AlarmPriority priority) => priority switch
    {
        AlarmPriority.P1 => P1ResolveWithin,
        AlarmPriority.P2 => P2ResolveWithin,
        AlarmPriority.P3 => P3ResolveWithin,
        _ => P4ResolveWithin,
    };

    /// <summary>Flood handling: too many notifications at once go out as a digest (P1 always alone).</summary>
    public FloodOptions Flood { get; init; } = new();
}

/// <summary>How to reach a person.</summary>
public sealed class OnCallContact : ConfigNode
{
    public string? Name { get; init; }
    public string? Phone { get; init; }
    public string? Email { get; init; }
    /// <summary>ntfy topic of the person's phone app.</summary>
    public string? NtfyTopic { get; init; }
}

/// <summary>Who is on call when.</summary>
public sealed class OnCallRota(OnCallOptions options, TimeZoneInfo zone)
{
    /// <summary>The person at an escalation level (0 primary, 1 secondary, 2 supervisor) at a time, if any.</summary>
    public string? Who(int level, DateTimeOffset at)
    {
        var local = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(at, zone).DateTime);
        int week = (int)Math.Floor((local.DayNumber - options.RotationStart.DayNumber) / 7.0);
        static string? Pick(IReadOnlyList<string> people, int week) => people.Count == 0 ? null : people[((week % people.Count) + people.Count) % people.Count];
        return level switch
        {
            0 => Pick(options.Primary, week),
            1 => Pick(options.Secondary, week) ?? options.Supervisor,
            _ => options.Supervisor,
        };
    }

    /// <summary>How often an unacknowledged ticket of <paramref name="priority"/> is paged again once it has escalated as far as it goes.</summary>
    public TimeSpan? RepeatEvery(AlarmPriority priority) => priority switch
    {
        AlarmPriority.P1 => options.P1RepeatEvery,
        AlarmPriority.P2 => options.P2RepeatEvery,
        _ => null,
    };

    /// <summary>When an unacknowledged ticket of <paramref name="priority"/> moves to <paramref name="level"/>, if it does.</summary>
    public TimeSpan? EscalateAfter(AlarmPriority priority, int level) => (priority, level) switch
    {
        (AlarmPriority.P1, 1) => options.P1SecondaryAfter,
        (AlarmPriority.P1, 2) => options.P1SupervisorAfter,
        (AlarmPriority.P2, 1) => options.P2SecondaryAfter,
        _ => null,
    };
}

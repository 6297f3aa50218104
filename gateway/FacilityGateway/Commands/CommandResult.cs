namespace FacilityGateway.Commands;

/// <summary>How an action ended.</summary>
public enum CommandOutcome
{
    /// <summary>Done and stored (it survives a power cut from here on).</summary>
    Done,
    /// <summary>Understood, but it does not apply (an unknown ticket, a task not in the plan, ack on a closed ticket...).</summary>
    NotApplicable,
    /// <summary>The gateway could not store it (a full or read-only disk), so it was not done.</summary>
    NotStored,
    /// <summary>Not an action the gateway understands (bad JSON, a missing field, a retained MQTT command).</summary>
    Malformed,
}

/// <summary>The answer to an action: what happened and a sentence for the person who asked.</summary>
public sealed record CommandResult(CommandOutcome Outcome, string Message)
{
    /// <summary>True when the action was done and stored.</summary>
    public bool Ok => Outcome == CommandOutcome.Done;

    /// <summary>The outcome's name on the wire: <c>done</c>, <c>not_applicable</c>, <c>not_stored</c>, <c>malformed</c>.</summary>
    public string Result => Outcome switch
    {
        CommandOutcome.Done => "done",
        CommandOutcome.NotApplicable => "not_applicable",
        CommandOutcome.NotStored => "not_stored",
        _ => "malformed",
    };
}

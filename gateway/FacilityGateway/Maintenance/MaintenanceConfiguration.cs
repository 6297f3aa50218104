using FacilityGateway.Configuration;

namespace FacilityGateway.Maintenance;

/// <summary>Maintenance's checks of the assets' plans.</summary>
public static class MaintenanceConfiguration
{
    /// <summary>Adds the checks.</summary>
    public static void Register(ConfigurationRegistry registry) => registry.AddCheck(Check);

    private static void Check(ValidationContext context)
    {
        foreach (var asset in context.Config.Assets)
        {
            var tasks = new Dictionary<string, MaintenanceTask>(StringComparer.Ordinal);
            foreach (var task in asset.Maintenance)
                if (!tasks.TryAdd(UsageTracker.Slug(task.Task), task))
                    context.Errors.Error(task.OriginOf("task"), task.PathOf("task"), $"maintenance task '{task.Task}' of asset '{asset.Id}' is already in its plan (first at {tasks[UsageTracker.Slug(task.Task)].OriginOf("task")})",
                        "give each task of an asset its own words: its tickets and due points are kept by them");
        }
    }
}

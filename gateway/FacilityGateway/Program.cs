// FacilityGateway: the worker's entry point. Everything else is in Cli/ (commands), Configuration/ (YAML),
// Sources/ (devices), Readings/ (what flows downstream) and Hosting/ (the host and its services).
if (args is ["run", ..] or ["modbus", "read", ..])
    FacilityGateway.Hosting.RuntimeSettings.ApplyByReexecuting(); // returns only when there is nothing to apply
return await FacilityGateway.Cli.GatewayCommands.InvokeAsync(args);

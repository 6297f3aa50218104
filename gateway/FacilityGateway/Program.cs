// FacilityGateway: the worker's entry point. Everything else is in Cli/ (commands), Configuration/ (YAML),
// Sources/ (devices), Readings/ (what flows downstream) and Hosting/ (the host and its services).
return await FacilityGateway.Cli.GatewayCommands.InvokeAsync(args);

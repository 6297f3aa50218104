# FacilityGateway container. Build: docker build -t facility-gateway .
# Run:   docker run --rm -v /etc/facility-gateway:/config --device /dev/ttyUSB0 facility-gateway run --config /config/gateway.yaml
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY Directory.Build.props Directory.Packages.props .editorconfig ./
COPY gateway/ gateway/
COPY config/profiles/ config/profiles/
RUN dotnet publish gateway/FacilityGateway/FacilityGateway.csproj -c Release -o /app

# The ASP.NET Core runtime: the web dashboard (docs/DASHBOARD.md) runs in the same process.
FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY --from=build /app ./
# Measured in docs/PERFORMANCE.md: less memory and CPU for a long-running poller.
ENV DOTNET_EnableWriteXorExecute=0 \
    DOTNET_GCgen0size=0x200000 \
    DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1
VOLUME ["/config", "/var/lib/facility-gateway"]
EXPOSE 8080
ENTRYPOINT ["dotnet", "/app/facility-gateway.dll"]
CMD ["run", "--config", "/config/gateway.yaml"]

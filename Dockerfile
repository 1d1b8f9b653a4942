# voice-server: multi-stage build. Build with the SDK, run on the small chiseled ASP.NET runtime as a non-root user.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
# Build settings first, so a source change does not invalidate the restore layer.
COPY global.json Directory.Build.props Directory.Build.targets Directory.Packages.props .editorconfig ./
COPY eng/ eng/
COPY src/VoiceServer/VoiceServer.csproj src/VoiceServer/
COPY src/VoiceServer.Core/VoiceServer.Core.csproj src/VoiceServer.Core/
COPY src/VoiceServer.Twilio/VoiceServer.Twilio.csproj src/VoiceServer.Twilio/
COPY src/VoiceServer.OpenAI/VoiceServer.OpenAI.csproj src/VoiceServer.OpenAI/
COPY src/VoiceServer.Telnyx/VoiceServer.Telnyx.csproj src/VoiceServer.Telnyx/
COPY src/VoiceServer.Plivo/VoiceServer.Plivo.csproj src/VoiceServer.Plivo/
COPY src/VoiceServer.Vonage/VoiceServer.Vonage.csproj src/VoiceServer.Vonage/
COPY src/VoiceServer.RealtimeEmulator/VoiceServer.RealtimeEmulator.csproj src/VoiceServer.RealtimeEmulator/
COPY src/VoiceServer.Redis/VoiceServer.Redis.csproj src/VoiceServer.Redis/
RUN dotnet restore src/VoiceServer/VoiceServer.csproj
COPY src/ src/
RUN dotnet publish src/VoiceServer/VoiceServer.csproj -c Release -o /app --no-restore -p:UseAppHost=false

# Chiseled: no shell, no package manager, runs as the non-root "app" user (UID 1654) by default.
FROM mcr.microsoft.com/dotnet/aspnet:10.0-noble-chiseled AS runtime
WORKDIR /app
COPY --from=build /app .
# The server listens on PORT (all interfaces); ASPNETCORE_URLS still wins when set. The image's HTTP_PORTS is
# cleared so only one of the two applies.
ENV PORT=8080 \
    ASPNETCORE_HTTP_PORTS= \
    DRAIN_TIMEOUT=60
EXPOSE 8080
USER app
ENTRYPOINT ["dotnet", "VoiceServer.dll"]

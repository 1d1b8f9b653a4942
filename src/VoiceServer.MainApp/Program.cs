using VoiceServer.MainApp.Hosting;

var app = MainAppApplication.Build(args);
await MainAppApplication.StartAsync(app);
await app.WaitForShutdownAsync();

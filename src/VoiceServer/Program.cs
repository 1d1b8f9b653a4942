using VoiceServer.Hosting;

var app = VoiceServerApplication.Build(args);
app.Run();

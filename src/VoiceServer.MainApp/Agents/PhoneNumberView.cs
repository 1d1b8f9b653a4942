namespace VoiceServer.MainApp.Agents;

/// <summary>A number as the admin API shows it: <c>{"number":"+1…","provider":"telnyx"}</c>.</summary>
internal sealed record PhoneNumberView(string Number, string Provider);

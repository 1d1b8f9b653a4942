using Microsoft.Extensions.Options;

namespace VoiceServer.Configuration;

[OptionsValidator]
internal sealed partial class VoiceServerOptionsValidator : IValidateOptions<VoiceServerOptions>;

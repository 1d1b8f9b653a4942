namespace VoiceServer.Legs;

/// <summary>Opens model connections. Failures surface as <see cref="ModelConnectException"/>.</summary>
public interface IModelConnector
{
    Task<IModelLeg> ConnectAsync(ModelConnectRequest request, CancellationToken cancellationToken);
}

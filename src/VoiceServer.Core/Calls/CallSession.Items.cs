using VoiceServer.Legs;

namespace VoiceServer.Calls;

/// <summary>
/// Each model session's conversation items, by id and in order (<see cref="ModelConnection.Items"/>): once per item,
/// never per audio frame. They are what an in-place handoff deletes to trim the conversation (CallSession.HandoffInPlace.cs).
/// </summary>
public sealed partial class CallSession
{
    void IModelConnectionEvents.OnItemAdded(ModelConnection connection, string itemId, string? previousItemId, ModelItemKind kind, string? callId)
    {
        lock (_gate)
        {
            connection.Items.OnAdded(itemId, previousItemId, kind, callId);
        }
    }

    void IModelConnectionEvents.OnItemDeleted(ModelConnection connection, string itemId)
    {
        lock (_gate)
        {
            connection.Items.OnDeleted(itemId);
            if (_handoff?.Trim is { } trim && ReferenceEquals(trim.Connection, connection))
            {
                trim.Confirm(itemId);
            }
        }
    }
}

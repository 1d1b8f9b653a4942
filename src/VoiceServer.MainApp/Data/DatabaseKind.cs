namespace VoiceServer.MainApp.Data;

/// <summary>Which database holds the data.</summary>
internal enum DatabaseKind
{
    /// <summary>An embedded file: the default, nothing to run.</summary>
    Sqlite,

    /// <summary>PostgreSQL (a Supabase project, or any server).</summary>
    Postgres,
}

namespace VoiceServer.MainApp.Data;

internal sealed class DatabaseOptions
{
    public DatabaseKind Kind { get; set; } = DatabaseKind.Sqlite;

    /// <summary>A SQLite (<c>Data Source=main-app.db</c>) or Npgsql connection string. Never logged.</summary>
    public string ConnectionString { get; set; } = "Data Source=main-app.db";
}

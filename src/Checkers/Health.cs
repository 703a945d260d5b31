namespace Kad.Checkers;

/// <summary>
/// What is known about a checker or a real server. Unknown is a real state: no result yet (keepalived treats such a
/// server as in service unless <c>alpha</c> is set, in which case its checkers start <see cref="Down"/>).
/// </summary>
public enum Health
{
    Unknown,
    Up,
    Down,
}

namespace Kad.Config.Model;

/// <summary>
/// Base of the model records: carries where the element was written without taking part in equality, so two reads of
/// a configuration compare equal element by element when they say the same thing, wherever it sits in the files.
/// A reload can then ask "did this vrrp_instance change?" with ==, and diagnostics can still point at the element.
/// </summary>
public abstract record ConfigElement
{
    private readonly Neutral _location;

    /// <summary>Where the element starts; <see cref="SourceLocation.None"/> for a block that was not written.</summary>
    public SourceLocation Location
    {
        get => _location.Value;
        init => _location = new Neutral(value);
    }

    /// <summary>A value that every other value of its type equals: record equality then skips it.</summary>
    private readonly struct Neutral(SourceLocation value) : IEquatable<Neutral>
    {
        public SourceLocation Value { get; } = value;

        public bool Equals(Neutral other) => true;

        public override bool Equals(object? obj) => obj is Neutral;

        public override int GetHashCode() => 0;
    }
}

namespace Kad.Config.Syntax;

/// <summary>
/// The character searches the reader makes on every line, as plain loops. Lines are short, and the vectorized span
/// searches (SearchValues, MemoryExtensions.Contains) have no precompiled code in the published dotnet-kad: they were
/// compiled at run time, starting in the unoptimized tier, during the one load a check makes (seen with
/// DOTNET_JitStdOutFile and DOTNET_JitDisasmSummary).
/// </summary>
internal static class LineScan
{
    /// <summary>keepalived's word separators (isspace in the C locale).</summary>
    public static bool IsBlank(char c) => c is ' ' or '\t' or '\f' or '\n' or '\r' or '\v';

    /// <summary>The first character that is not <see cref="IsBlank"/>; -1 when there is none.</summary>
    public static int IndexOfNonBlank(ReadOnlySpan<char> s)
    {
        for (var i = 0; i < s.Length; i++)
        {
            if (!IsBlank(s[i]))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Where an unquoted word ends: the first blank or double quote; -1 when there is none.</summary>
    public static int IndexOfBlankOrQuote(ReadOnlySpan<char> s)
    {
        for (var i = 0; i < s.Length; i++)
        {
            if (IsBlank(s[i]) || s[i] == '"')
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>The first character that matters to comment removal: a double quote, a backslash, '#' or '!'.</summary>
    public static int IndexOfCommentSpecial(ReadOnlySpan<char> s)
    {
        for (var i = 0; i < s.Length; i++)
        {
            if (s[i] is '"' or '\\' or '#' or '!')
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>The first double quote, '$', '{' or '}'.</summary>
    public static int IndexOfBraceSpecial(ReadOnlySpan<char> s)
    {
        for (var i = 0; i < s.Length; i++)
        {
            if (s[i] is '"' or '$' or '{' or '}')
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>The first '$', '{' or '}'.</summary>
    public static int IndexOfDollarOrBrace(ReadOnlySpan<char> s)
    {
        for (var i = 0; i < s.Length; i++)
        {
            if (s[i] is '$' or '{' or '}')
            {
                return i;
            }
        }

        return -1;
    }
}

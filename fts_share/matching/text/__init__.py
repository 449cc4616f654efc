"""Text: names as characters: normalisation (``normalize``), the scripts' readings
(``arabic``, ``latin``, ``cyrillic``, ``han``; Korean names in Latin letters syllable
by syllable, ``korean``) and the bridge into one key space (``forms``, ``bridge``)."""

// The Porter stemmer exactly as NLTK's nltk.stem.porter.PorterStemmer in its default
// NLTK_EXTENSIONS mode, which is what Google's rouge-score package uses for ROUGE with
// use_stemmer=True. Scores only match published ROUGE numbers if every rule and every
// NLTK deviation from the 1980 paper is reproduced, so this is a literal port.
#pragma once
#include <string>
#include <string_view>

namespace clinote {

// Stems one lowercase ASCII word (ROUGE tokens are [a-z0-9]+). Uppercase ASCII is
// lowercased first, as NLTK does; bytes outside ASCII are treated as consonants.
std::string porter_stem(std::string_view word);

}  // namespace clinote

/* gsm — SMS text encoding facts; see gsm.h. */
#include "gsm.h"

#include <stdlib.h>
#include <string.h>

#define REPLACEMENT 0xFFFDu

size_t
gsm_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
	unsigned char c = s[0];
	size_t len, i;
	uint32_t v, min;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	/* 0xC0, 0xC1 and 0xF5-0xFF can never start a valid sequence. */
	if (c >= 0xC2 && c <= 0xDF) {
		len = 2, v = c & 0x1F, min = 0x80;
	} else if ((c & 0xF0) == 0xE0) {
		len = 3, v = c & 0x0F, min = 0x800;
	} else if (c >= 0xF0 && c <= 0xF4) {
		len = 4, v = c & 0x07, min = 0x10000;
	} else {
		goto bad;
	}
	if (n < len)
		goto bad;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			goto bad;
		v = v << 6 | (s[i] & 0x3F);
	}
	if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
		goto bad;
	*cp = v;
	return len;
bad:
	/* One byte at a time, so the next valid character after garbage is still read. */
	*cp = REPLACEMENT;
	return 1;
}

/* Septets a character takes in GSM-7: 1 (basic set), 2 (extension table), 0 (not GSM-7). */
static int
gsm7_cost(uint32_t cp)
{
	if (cp < 0x80) {
		switch (cp) {
		case '\n':
		case '\r':
			return 1;
		case '\f':
		case '^':
		case '{':
		case '}':
		case '\\':
		case '[':
		case '~':
		case ']':
		case '|':
			return 2;
		case '`':
			return 0; /* the one printable ASCII character GSM-7 lacks */
		default:
			return cp >= 0x20 && cp < 0x7F ? 1 : 0;
		}
	}
	switch (cp) {
	case 0x00A1: /* ¡ */
	case 0x00A3: /* £ */
	case 0x00A4: /* ¤ */
	case 0x00A5: /* ¥ */
	case 0x00A7: /* § */
	case 0x00BF: /* ¿ */
	case 0x00C4: /* Ä */
	case 0x00C5: /* Å */
	case 0x00C6: /* Æ */
	case 0x00C7: /* Ç */
	case 0x00C9: /* É */
	case 0x00D1: /* Ñ */
	case 0x00D6: /* Ö */
	case 0x00D8: /* Ø */
	case 0x00DC: /* Ü */
	case 0x00DF: /* ß */
	case 0x00E0: /* à */
	case 0x00E4: /* ä */
	case 0x00E5: /* å */
	case 0x00E6: /* æ */
	case 0x00E8: /* è */
	case 0x00E9: /* é */
	case 0x00EC: /* ì */
	case 0x00F1: /* ñ */
	case 0x00F2: /* ò */
	case 0x00F6: /* ö */
	case 0x00F8: /* ø */
	case 0x00F9: /* ù */
	case 0x00FC: /* ü */
	case 0x0393: /* Γ */
	case 0x0394: /* Δ */
	case 0x0398: /* Θ */
	case 0x039B: /* Λ */
	case 0x039E: /* Ξ */
	case 0x03A0: /* Π */
	case 0x03A3: /* Σ */
	case 0x03A6: /* Φ */
	case 0x03A8: /* Ψ */
	case 0x03A9: /* Ω */
		return 1;
	case 0x20AC: /* € */
		return 2;
	default:
		return 0;
	}
}

/*
 * Transliterations, for characters outside GSM-7 only. Indexed by code point with designated
 * initializers so an entry cannot drift to the wrong character (and -Woverride-init catches
 * a duplicate). NULL: no close form, keep the character. "": drop it (invisible).
 * Replacements use the basic set only, so they never cost an extra septet.
 */
/* The tables are laid out by hand, five entries a row. */
/* clang-format off */
#define LATIN_FIRST 0x00A0u
#define LATIN_END 0x0180u
#define L(cp) [(cp) - LATIN_FIRST]
static const char *const translit_latin[LATIN_END - LATIN_FIRST] = {
	/* Latin-1 punctuation and signs */
	L(0xA0) = " ",    L(0xA2) = "c",    L(0xA8) = "\"",   L(0xA9) = "(c)",  L(0xAA) = "a",
	L(0xAB) = "\"",   L(0xAC) = "-",    L(0xAD) = "",     L(0xAE) = "(R)",  L(0xAF) = "-",
	L(0xB1) = "+/-",  L(0xB2) = "2",    L(0xB3) = "3",    L(0xB4) = "'",    L(0xB5) = "u",
	L(0xB7) = ".",    L(0xB8) = ",",    L(0xB9) = "1",    L(0xBA) = "o",    L(0xBB) = "\"",
	L(0xBC) = "1/4",  L(0xBD) = "1/2",  L(0xBE) = "3/4",
	/* À Á Â Ã, È Ê Ë, Ì Í Î Ï, Ð, Ò Ó Ô Õ, ×, Ù Ú Û, Ý Þ */
	L(0xC0) = "A",    L(0xC1) = "A",    L(0xC2) = "A",    L(0xC3) = "A",
	L(0xC8) = "E",    L(0xCA) = "E",    L(0xCB) = "E",
	L(0xCC) = "I",    L(0xCD) = "I",    L(0xCE) = "I",    L(0xCF) = "I",    L(0xD0) = "D",
	L(0xD2) = "O",    L(0xD3) = "O",    L(0xD4) = "O",    L(0xD5) = "O",    L(0xD7) = "x",
	L(0xD9) = "U",    L(0xDA) = "U",    L(0xDB) = "U",    L(0xDD) = "Y",    L(0xDE) = "Th",
	/* á â ã, ç, ê ë, í î ï, ð, ó ô õ, ÷, ú û, ý þ ÿ */
	L(0xE1) = "a",    L(0xE2) = "a",    L(0xE3) = "a",    L(0xE7) = "c",
	L(0xEA) = "e",    L(0xEB) = "e",
	L(0xED) = "i",    L(0xEE) = "i",    L(0xEF) = "i",    L(0xF0) = "d",
	L(0xF3) = "o",    L(0xF4) = "o",    L(0xF5) = "o",    L(0xF7) = "/",
	L(0xFA) = "u",    L(0xFB) = "u",    L(0xFD) = "y",    L(0xFE) = "th",   L(0xFF) = "y",
	/* Latin Extended-A, every letter: Ā ā Ă ă Ą ą Ć ć ... Ž ž ſ */
	L(0x100) = "A",   L(0x101) = "a",   L(0x102) = "A",   L(0x103) = "a",   L(0x104) = "A",
	L(0x105) = "a",   L(0x106) = "C",   L(0x107) = "c",   L(0x108) = "C",   L(0x109) = "c",
	L(0x10A) = "C",   L(0x10B) = "c",   L(0x10C) = "C",   L(0x10D) = "c",   L(0x10E) = "D",
	L(0x10F) = "d",   L(0x110) = "D",   L(0x111) = "d",   L(0x112) = "E",   L(0x113) = "e",
	L(0x114) = "E",   L(0x115) = "e",   L(0x116) = "E",   L(0x117) = "e",   L(0x118) = "E",
	L(0x119) = "e",   L(0x11A) = "E",   L(0x11B) = "e",   L(0x11C) = "G",   L(0x11D) = "g",
	L(0x11E) = "G",   L(0x11F) = "g",   L(0x120) = "G",   L(0x121) = "g",   L(0x122) = "G",
	L(0x123) = "g",   L(0x124) = "H",   L(0x125) = "h",   L(0x126) = "H",   L(0x127) = "h",
	L(0x128) = "I",   L(0x129) = "i",   L(0x12A) = "I",   L(0x12B) = "i",   L(0x12C) = "I",
	L(0x12D) = "i",   L(0x12E) = "I",   L(0x12F) = "i",   L(0x130) = "I",   L(0x131) = "i",
	L(0x132) = "IJ",  L(0x133) = "ij",  L(0x134) = "J",   L(0x135) = "j",   L(0x136) = "K",
	L(0x137) = "k",   L(0x138) = "k",   L(0x139) = "L",   L(0x13A) = "l",   L(0x13B) = "L",
	L(0x13C) = "l",   L(0x13D) = "L",   L(0x13E) = "l",   L(0x13F) = "L",   L(0x140) = "l",
	L(0x141) = "L",   L(0x142) = "l",   L(0x143) = "N",   L(0x144) = "n",   L(0x145) = "N",
	L(0x146) = "n",   L(0x147) = "N",   L(0x148) = "n",   L(0x149) = "n",   L(0x14A) = "N",
	L(0x14B) = "n",   L(0x14C) = "O",   L(0x14D) = "o",   L(0x14E) = "O",   L(0x14F) = "o",
	L(0x150) = "O",   L(0x151) = "o",   L(0x152) = "OE",  L(0x153) = "oe",  L(0x154) = "R",
	L(0x155) = "r",   L(0x156) = "R",   L(0x157) = "r",   L(0x158) = "R",   L(0x159) = "r",
	L(0x15A) = "S",   L(0x15B) = "s",   L(0x15C) = "S",   L(0x15D) = "s",   L(0x15E) = "S",
	L(0x15F) = "s",   L(0x160) = "S",   L(0x161) = "s",   L(0x162) = "T",   L(0x163) = "t",
	L(0x164) = "T",   L(0x165) = "t",   L(0x166) = "T",   L(0x167) = "t",   L(0x168) = "U",
	L(0x169) = "u",   L(0x16A) = "U",   L(0x16B) = "u",   L(0x16C) = "U",   L(0x16D) = "u",
	L(0x16E) = "U",   L(0x16F) = "u",   L(0x170) = "U",   L(0x171) = "u",   L(0x172) = "U",
	L(0x173) = "u",   L(0x174) = "W",   L(0x175) = "w",   L(0x176) = "Y",   L(0x177) = "y",
	L(0x178) = "Y",   L(0x179) = "Z",   L(0x17A) = "z",   L(0x17B) = "Z",   L(0x17C) = "z",
	L(0x17D) = "Z",   L(0x17E) = "z",   L(0x17F) = "s",
};
#undef L

#define PUNCT_FIRST 0x2000u
#define PUNCT_END 0x2070u
#define P(cp) [(cp) - PUNCT_FIRST]
static const char *const translit_punct[PUNCT_END - PUNCT_FIRST] = {
	/* en/em quads and spaces, figure, punctuation, thin and hair spaces */
	P(0x2000) = " ",  P(0x2001) = " ",  P(0x2002) = " ",  P(0x2003) = " ",  P(0x2004) = " ",
	P(0x2005) = " ",  P(0x2006) = " ",  P(0x2007) = " ",  P(0x2008) = " ",  P(0x2009) = " ",
	P(0x200A) = " ",
	/* zero-width space; ZWNJ and ZWJ stay: they shape scripts and emoji sequences */
	P(0x200B) = "",
	/* hyphens and dashes ‐ ‑ ‒ – — ― */
	P(0x2010) = "-",  P(0x2011) = "-",  P(0x2012) = "-",  P(0x2013) = "-",  P(0x2014) = "-",
	P(0x2015) = "-",
	/* quotes ‘ ’ ‚ ‛ “ ” „ ‟ */
	P(0x2018) = "'",  P(0x2019) = "'",  P(0x201A) = "'",  P(0x201B) = "'",
	P(0x201C) = "\"", P(0x201D) = "\"", P(0x201E) = "\"", P(0x201F) = "\"",
	/* • ․ ‥ … , line and paragraph separators, narrow no-break space */
	P(0x2022) = "*",  P(0x2024) = ".",  P(0x2025) = "..", P(0x2026) = "...",
	P(0x2028) = "\n", P(0x2029) = "\n", P(0x202F) = " ",
	/* ′ ″ ‹ › ⁄, medium mathematical space, word joiner */
	P(0x2032) = "'",  P(0x2033) = "\"", P(0x2039) = "<",  P(0x203A) = ">",  P(0x2044) = "/",
	P(0x205F) = " ",  P(0x2060) = "",
};
#undef P
/* clang-format on */

static const char *
translit(uint32_t cp)
{
	if (cp >= LATIN_FIRST && cp < LATIN_END)
		return translit_latin[cp - LATIN_FIRST];
	if (cp >= PUNCT_FIRST && cp < PUNCT_END)
		return translit_punct[cp - PUNCT_FIRST];
	if (cp >= 0x0300 && cp <= 0x036F)
		return ""; /* combining diacritical marks: "a" + U+0301 reads as "a" */
	switch (cp) {
	case '\t':
		return " ";
	case '`':
	case 0x02BB: /* ʻ modifier letter turned comma */
	case 0x02BC: /* ʼ modifier letter apostrophe */
		return "'";
	case 0x2122: /* ™ */
		return "TM";
	case 0x2212: /* − minus sign */
		return "-";
	case 0xFEFF: /* byte order mark, zero-width no-break space */
		return "";
	default:
		return NULL;
	}
}

bool
gsm_is_gsm7(const char *utf8)
{
	return gsm_septets(utf8) >= 0;
}

long
gsm_septets(const char *utf8)
{
	const unsigned char *s = (const unsigned char *)(utf8 ? utf8 : "");
	size_t n = strlen((const char *)s);
	long septets = 0;
	uint32_t cp;

	while (n > 0) {
		size_t k = gsm_utf8_decode(s, n, &cp);
		int cost = gsm7_cost(cp);
		if (cost == 0)
			return -1;
		septets += cost;
		s += k, n -= k;
	}
	return septets;
}

/* Greedy fill of concatenated parts: a character that does not fit whole opens a new part. */
struct fill {
	size_t units, parts, in_part;
};

static void
fill_add(struct fill *f, size_t width, size_t part_size)
{
	if (f->in_part + width > part_size) {
		f->parts++;
		f->in_part = 0;
	}
	f->in_part += width;
	f->units += width;
}

size_t
gsm_segments(const char *utf8, enum gsm_coding *coding, size_t *units)
{
	const unsigned char *s = (const unsigned char *)(utf8 ? utf8 : "");
	size_t n = strlen((const char *)s);
	struct fill g = {.parts = 1}, u = {.parts = 1};
	bool gsm7 = true;
	uint32_t cp;

	/* One pass counts both ways; the first non-GSM character decides. */
	while (n > 0) {
		size_t k = gsm_utf8_decode(s, n, &cp);
		int cost = gsm7_cost(cp);
		if (cost == 0)
			gsm7 = false;
		else if (gsm7)
			fill_add(&g, (size_t)cost, GSM_GSM7_PART);
		fill_add(&u, cp > 0xFFFF ? 2 : 1, GSM_UCS2_PART);
		s += k, n -= k;
	}
	if (coding)
		*coding = gsm7 ? GSM_CODING_GSM7 : GSM_CODING_UCS2;
	if (gsm7) {
		if (units)
			*units = g.units;
		return g.units <= GSM_GSM7_SINGLE ? 1 : g.parts;
	}
	if (units)
		*units = u.units;
	return u.units <= GSM_UCS2_SINGLE ? 1 : u.parts;
}

char *
gsm_transliterate(const char *utf8)
{
	const unsigned char *s = (const unsigned char *)(utf8 ? utf8 : "");
	size_t n = strlen((const char *)s);
	/* Worst case 3 output bytes per input byte: a stray byte becomes U+FFFD (3 bytes),
	 * "½" (2 bytes) becomes "1/2", "…" (3 bytes) becomes "...". */
	char *out = malloc(3 * n + 1), *o = out;
	uint32_t cp;

	if (!out)
		return NULL;
	while (n > 0) {
		size_t k = gsm_utf8_decode(s, n, &cp);
		const char *rep = gsm7_cost(cp) ? NULL : translit(cp);
		if (rep) {
			size_t rl = strlen(rep);
			memcpy(o, rep, rl);
			o += rl;
		} else if (cp == REPLACEMENT && k == 1) {
			/* an invalid byte (a genuine U+FFFD takes 3) */
			memcpy(o, "\xEF\xBF\xBD", 3);
			o += 3;
		} else {
			memcpy(o, s, k);
			o += k;
		}
		s += k, n -= k;
	}
	*o = '\0';
	return out;
}

unsigned char *
gsm_to_utf16be(const char *utf8, size_t *len)
{
	const unsigned char *s = (const unsigned char *)(utf8 ? utf8 : "");
	size_t n = strlen((const char *)s);
	/* At most 2 output bytes per input byte: 1-byte ASCII gives 2, a 4-byte character a
	 * 4-byte surrogate pair, a stray byte 2. */
	unsigned char *out = malloc(2 * n + 1), *o = out;
	uint32_t cp;

	if (!out)
		return NULL;
	while (n > 0) {
		size_t k = gsm_utf8_decode(s, n, &cp);
		if (cp > 0xFFFF) {
			uint32_t v = cp - 0x10000;
			uint32_t hi = 0xD800 | (v >> 10), lo = 0xDC00 | (v & 0x3FF);
			*o++ = (unsigned char)(hi >> 8), *o++ = (unsigned char)hi;
			*o++ = (unsigned char)(lo >> 8), *o++ = (unsigned char)lo;
		} else {
			*o++ = (unsigned char)(cp >> 8), *o++ = (unsigned char)cp;
		}
		s += k, n -= k;
	}
	*len = (size_t)(o - out);
	return out;
}

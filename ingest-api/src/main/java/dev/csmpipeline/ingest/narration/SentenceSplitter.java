package dev.csmpipeline.ingest.narration;

import com.ibm.icu.text.BreakIterator;
import com.ibm.icu.text.FilteredBreakIteratorBuilder;
import com.ibm.icu.util.ULocale;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits a document into segments of whole sentences, each at most {@code maxChars} long, using ICU's sentence
 * rules (UAX #29: decimals, quotes, ellipses, CJK full stops) with common abbreviations kept whole. A sentence longer
 * than a segment is cut between words; only a single "word" longer than a segment (a URL, unspaced text) is cut
 * inside, between code points.
 */
public final class SentenceSplitter {

    /** Abbreviations after which a period does not end a sentence, beyond ICU's own list. */
    static final List<String> ABBREVIATIONS = List.of("Dr.", "Prof.", "St.", "Mt.", "No.", "Nos.", "Jr.", "Sr.",
            "Gen.", "Col.", "Capt.", "Lt.", "Sgt.", "Rev.", "Fig.", "Figs.", "Inc.", "Ltd.", "Co.", "Corp.", "vs.",
            "etc.", "approx.", "Dept.", "Univ.", "Vol.", "Ch.", "Sec.", "Eq.", "Mrs.", "Mr.", "Ms.", "e.g.",
            "i.e.");

    private final ULocale locale;

    public SentenceSplitter(ULocale locale) {
        this.locale = locale;
    }

    /** Segments of {@code text} in order, trimmed, none empty, each at most {@code maxChars} characters. */
    public List<String> split(String text, int maxChars) {
        List<String> segments = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String sentence : sentences(text)) {
            for (String piece : fit(sentence, maxChars)) {
                if (current.length() > 0 && current.length() + 1 + piece.length() > maxChars) {
                    segments.add(current.toString());
                    current.setLength(0);
                }
                if (current.length() > 0) {
                    current.append(' ');
                }
                current.append(piece);
            }
        }
        if (current.length() > 0) {
            segments.add(current.toString());
        }
        return segments;
    }

    /** The sentences of {@code text}, trimmed, blank ones dropped. */
    List<String> sentences(String text) {
        FilteredBreakIteratorBuilder builder = FilteredBreakIteratorBuilder.getInstance(locale);
        ABBREVIATIONS.forEach(builder::suppressBreakAfter);
        BreakIterator it = builder.wrapIteratorWithFilter(BreakIterator.getSentenceInstance(locale));
        it.setText(text);
        List<String> out = new ArrayList<>();
        int start = it.first();
        for (int end = it.next(); end != BreakIterator.DONE; start = end, end = it.next()) {
            String s = normalize(text.substring(start, end));
            if (!s.isEmpty()) {
                out.add(s);
            }
        }
        return out;
    }

    /** A sentence as pieces of at most {@code maxChars}, cut between words where possible. */
    private List<String> fit(String sentence, int maxChars) {
        if (sentence.length() <= maxChars) {
            return List.of(sentence);
        }
        List<String> pieces = new ArrayList<>();
        BreakIterator words = BreakIterator.getWordInstance(locale);
        words.setText(sentence);
        int pieceStart = 0;
        int lastBoundary = 0;
        for (int b = words.next(); b != BreakIterator.DONE; b = words.next()) {
            if (b - pieceStart > maxChars) {
                if (lastBoundary > pieceStart) {
                    addTrimmed(pieces, sentence.substring(pieceStart, lastBoundary));
                    pieceStart = lastBoundary;
                }
                while (b - pieceStart > maxChars) { // one word longer than a segment
                    int cut = pieceStart + maxChars;
                    if (Character.isLowSurrogate(sentence.charAt(cut))) {
                        cut--; // never split a surrogate pair
                    }
                    addTrimmed(pieces, sentence.substring(pieceStart, cut));
                    pieceStart = cut;
                }
            }
            lastBoundary = b;
        }
        addTrimmed(pieces, sentence.substring(pieceStart));
        List<String> out = new ArrayList<>();
        for (String p : pieces) {
            if (!p.isEmpty()) {
                out.add(p);
            }
        }
        return out;
    }

    private static void addTrimmed(List<String> pieces, String s) {
        pieces.add(normalize(s));
    }

    /** Collapses runs of whitespace (line breaks of the source) into single spaces. */
    private static String normalize(String s) {
        return s.strip().replaceAll("\\s+", " ");
    }
}

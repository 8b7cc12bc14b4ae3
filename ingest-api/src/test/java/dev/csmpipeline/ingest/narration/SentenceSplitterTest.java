package dev.csmpipeline.ingest.narration;

import static org.assertj.core.api.Assertions.assertThat;

import com.ibm.icu.util.ULocale;
import java.util.List;
import org.junit.jupiter.api.Test;

class SentenceSplitterTest {

    private final SentenceSplitter english = new SentenceSplitter(ULocale.ENGLISH);

    @Test
    void titlesLikeDrDoNotEndASentence() {
        assertThat(english.sentences("Dr. Smith arrived. Prof. Jones and Mr. Brown left."))
                .containsExactly("Dr. Smith arrived.", "Prof. Jones and Mr. Brown left.");
    }

    @Test
    void decimalsStayInTheirSentence() {
        assertThat(english.sentences("Pi is about 3.14 today. It was 2.72 yesterday."))
                .containsExactly("Pi is about 3.14 today.", "It was 2.72 yesterday.");
    }

    @Test
    void quotedSentencesEndAfterTheClosingQuote() {
        assertThat(english.sentences("\"Stop right there.\" She did not stop."))
                .containsExactly("\"Stop right there.\"", "She did not stop.");
    }

    @Test
    void ellipsisBeforeLowercaseContinuesTheSentence() {
        assertThat(english.sentences("Well... maybe later. Fine."))
                .containsExactly("Well... maybe later.", "Fine.");
    }

    @Test
    void chineseAndJapaneseFullStopsEndSentences() {
        assertThat(english.sentences("第一句。第二句！日本語です。次の文？"))
                .containsExactly("第一句。", "第二句！", "日本語です。", "次の文？");
    }

    @Test
    void sentencesArePackedIntoSegmentsUpToTheLimit() {
        List<String> segments = english.split("One two. Three four. Five six. Seven eight.", 20);
        assertThat(segments).containsExactly("One two. Three four.", "Five six.", "Seven eight.")
                .allSatisfy(s -> assertThat(s.length()).isLessThanOrEqualTo(20));
    }

    @Test
    void aLongSentenceWithoutPunctuationIsCutBetweenWordsNeverInside() {
        StringBuilder text = new StringBuilder();
        int i = 0;
        while (text.length() < 5_000) {
            text.append("word").append(i++).append(' ');
        }
        List<String> segments = english.split(text.toString(), 250);
        assertThat(segments).allSatisfy(s -> {
            assertThat(s.length()).isLessThanOrEqualTo(250);
            assertThat(s).matches("(word\\d+ )*word\\d+");
        });
        assertThat(String.join(" ", segments)).isEqualTo(text.toString().strip());
    }

    @Test
    void aWordLongerThanASegmentIsCutWithoutLosingCharacters() {
        String url = "https://example.com/" + "x".repeat(600);
        List<String> segments = english.split("See " + url + " now.", 250);
        assertThat(segments).allSatisfy(s -> assertThat(s.length()).isLessThanOrEqualTo(250));
        assertThat(String.join("", segments).replace(" ", "")).isEqualTo(("See" + url + "now."));
    }

    @Test
    void lineBreaksAndRunsOfSpacesBecomeSingleSpaces() {
        assertThat(english.split("First line\nstill first.\n\n  Second.", 100))
                .containsExactly("First line still first. Second.");
    }

    @Test
    void noSegmentIsEmpty() {
        assertThat(english.split("   \n  Hello.   \n\n ", 100)).containsExactly("Hello.");
        assertThat(english.split(" ", 100)).isEmpty();
    }

    @Test
    void surrogatePairsAreNeverSplit() {
        String emoji = "\uD83D\uDE00".repeat(300); // 600 chars, no word breaks
        List<String> segments = english.split(emoji, 251);
        assertThat(segments).allSatisfy(s -> {
            assertThat(Character.isLowSurrogate(s.charAt(0))).isFalse();
            assertThat(Character.isHighSurrogate(s.charAt(s.length() - 1))).isFalse();
        });
        assertThat(String.join("", segments)).isEqualTo(emoji);
    }
}

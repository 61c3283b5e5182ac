package org.akhbar.engine;

import java.util.List;
import java.util.Map;
import java.util.function.Function;

import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.CharArraySet;
import org.apache.lucene.analysis.LowerCaseFilter;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.ar.ArabicAnalyzer;
import org.apache.lucene.analysis.ar.ArabicNormalizationFilter;
import org.apache.lucene.analysis.ar.ArabicStemFilter;
import org.apache.lucene.analysis.core.DecimalDigitFilter;
import org.apache.lucene.analysis.miscellaneous.ASCIIFoldingFilter;
import org.apache.lucene.analysis.miscellaneous.TrimFilter;
import org.elasticsearch.index.analysis.Analysis;
import org.elasticsearch.index.analysis.AnalyzerProvider;
import org.elasticsearch.index.analysis.AnalyzerScope;
import org.elasticsearch.index.analysis.NormalizingTokenFilterFactory;
import org.elasticsearch.index.analysis.PreConfiguredTokenFilter;
import org.elasticsearch.index.analysis.TokenFilterFactory;
import org.elasticsearch.indices.analysis.AnalysisModule.AnalysisProvider;
import org.elasticsearch.plugins.AnalysisPlugin;
import org.elasticsearch.plugins.Plugin;

/**
 * The part of Elasticsearch's analysis-common module that Akhbar uses, registered under the same names.
 *
 * Maven Central does not serve analysis-common for 8.x, so this plugin exposes Lucene's own classes — the ones
 * the built-in module wraps — as the {@code arabic} analyzer and the {@code lowercase}, {@code decimal_digit},
 * {@code arabic_normalization}, {@code arabic_stem}, {@code asciifolding} and {@code trim} token filters.
 * Names, parameters ({@code stopwords}, {@code stem_exclusion}) and token output match the built-in ones; the
 * Python test suite checks the analyzer against its rebuilt custom form through {@code _analyze}.
 */
public final class ArabicAnalysisPlugin extends Plugin implements AnalysisPlugin {

    /** Each filter: name, whether it also normalizes keywords/multi-term queries, and the Lucene constructor. */
    private record Filter(String name, boolean normalizing, Function<TokenStream, TokenStream> create) {}

    private static final List<Filter> FILTERS = List.of(
        new Filter("lowercase", true, LowerCaseFilter::new),
        new Filter("decimal_digit", true, DecimalDigitFilter::new),
        new Filter("arabic_normalization", true, ArabicNormalizationFilter::new),
        new Filter("arabic_stem", false, ArabicStemFilter::new),
        new Filter("asciifolding", true, ASCIIFoldingFilter::new),
        new Filter("trim", true, TrimFilter::new)
    );

    @Override
    public Map<String, AnalysisProvider<TokenFilterFactory>> getTokenFilters() {
        Map<String, AnalysisProvider<TokenFilterFactory>> filters = new java.util.TreeMap<>();
        for (Filter filter : FILTERS) {
            filters.put(filter.name(), (indexSettings, environment, name, settings) -> factory(name, filter));
        }
        return filters;
    }

    @Override
    public List<PreConfiguredTokenFilter> getPreConfiguredTokenFilters() {
        // The server itself pre-configures "lowercase"; registering it twice is an error.
        return FILTERS.stream()
            .filter(filter -> filter.name().equals("lowercase") == false)
            .map(filter -> PreConfiguredTokenFilter.singleton(filter.name(), filter.normalizing(), filter.create()))
            .toList();
    }

    @Override
    public Map<String, AnalysisProvider<AnalyzerProvider<? extends Analyzer>>> getAnalyzers() {
        return Map.of("arabic", (indexSettings, environment, name, settings) -> {
            ArabicAnalyzer analyzer = new ArabicAnalyzer(
                Analysis.parseStopWords(environment, settings, ArabicAnalyzer.getDefaultStopSet()),
                Analysis.parseStemExclusion(settings, CharArraySet.EMPTY_SET)
            );
            return new AnalyzerProvider<ArabicAnalyzer>() {
                @Override
                public String name() {
                    return name;
                }

                @Override
                public AnalyzerScope scope() {
                    return AnalyzerScope.INDEX;
                }

                @Override
                public ArabicAnalyzer get() {
                    return analyzer;
                }
            };
        });
    }

    private static TokenFilterFactory factory(String name, Filter filter) {
        return filter.normalizing() ? new NormalizingFilter(name, filter) : new NamedFilter(name, filter);
    }

    /** A filter under the name the index settings gave it. */
    private static class NamedFilter implements TokenFilterFactory {
        private final String name;
        private final Filter filter;

        NamedFilter(String name, Filter filter) {
            this.name = name;
            this.filter = filter;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public TokenStream create(TokenStream stream) {
            return filter.create().apply(stream);
        }
    }

    /** One that may also run in normalizers (keyword fields, multi-term queries). */
    private static final class NormalizingFilter extends NamedFilter implements NormalizingTokenFilterFactory {
        NormalizingFilter(String name, Filter filter) {
            super(name, filter);
        }
    }
}

/*
 * test_pages.c — the one escaping function and the layout.
 */
#include "tests/test.h"

#include "server/pages/pages.h"

TEST(pages_escape_everything_dangerous)
{
	pw_buf_t b = {0};
	pages_escape(&b, "<script>alert('x')</script> & \"q\"");
	CHECK_STR(b.data, "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;");
	buf_free(&b);
	pages_escape(&b, "caf\xc3\xa9 \xe2\x9c\x93 ok");
	CHECK_STR(b.data, "caf\xc3\xa9 \xe2\x9c\x93 ok");
	buf_free(&b);
	/* Invalid UTF-8 and control bytes become U+FFFD; nothing raw passes. */
	pages_escape(&b, "a\xff" "b\x01" "c\xc3");
	CHECK_STR(b.data, "a\xef\xbf\xbd" "b\xef\xbf\xbd" "c\xef\xbf\xbd");
	buf_free(&b);
	pages_escape(&b, "\xc0\xbc" "x"); /* overlong '<' */
	CHECK(strchr(b.data, '<') == NULL);
	buf_free(&b);
	pages_escape(&b, NULL);
	CHECK_EQ(b.len, 0);
	pages_escape_n(&b, "<ab", 2);
	CHECK_STR(b.data, "&lt;a");
	buf_free(&b);
}

TEST(pages_layout_escapes_title)
{
	pw_buf_t b = {0};
	pages_begin(&b, "<b>Title</b>", "arena");
	pages_end(&b);
	CHECK_CONTAINS(b.data, "<title>&lt;b&gt;Title&lt;/b&gt; · Pinwheel Fates</title>");
	CHECK_CONTAINS(b.data, "<a href=\"/arena\" aria-current=\"page\">Arena</a>");
	CHECK_CONTAINS(b.data, "<main id=\"main\">");
	CHECK_CONTAINS(b.data, "</html>");
	buf_free(&b);
}

#include "server/pages/svg.h"

TEST(svg_score_flow_points_elam_and_escaping)
{
	int home[] = {0, 2, 5, 5}, away[] = {0, 0, 3, 6};
	pw_svg_flow_t f = {.home = home, .away = away, .n = 4, .elam_target = 20,
			   .home_name = "<script>x</script>", .away_name = "B&B", .id = "g1"};
	pw_buf_t b = {0};
	svg_score_flow(&b, &f);
	/* top = 20 + 2 headroom = 22; first point at the origin, last at the right edge. */
	CHECK_CONTAINS(b.data, "points=\"44.0,226.0 ");
	CHECK_CONTAINS(b.data, "624.0,");
	CHECK_CONTAINS(b.data, "Elam target 20");
	CHECK_CONTAINS(b.data, "role=\"img\" font-size=\"12\" fill=\"#222\" aria-labelledby=\"g1-t g1-d\"");
	CHECK_CONTAINS(b.data, "&lt;script&gt;x&lt;/script&gt; 5, B&amp;B 6 after 4 plays.");
	CHECK(strstr(b.data, "<script>") == NULL);
	CHECK(strstr(b.data, "<polyline") != NULL);
	buf_free(&b);
	/* An empty game: a labelled chart with no lines. */
	pw_svg_flow_t e = {.n = 0, .id = "g2"};
	svg_score_flow(&b, &e);
	CHECK_CONTAINS(b.data, "No plays were recorded");
	CHECK(strstr(b.data, "<polyline") == NULL);
	buf_free(&b);
}

TEST(svg_bars_scale_and_escape)
{
	pw_svg_bar_t bars[] = {{"scoring", 50}, {"<iq>", 100}, {"over", 250}};
	pw_buf_t b = {0};
	svg_bars(&b, "a1", "Attrs of \"Q\"", bars, 3, 100);
	CHECK_CONTAINS(b.data, "width=\"110.0\""); /* 50% of the 220-unit span */
	CHECK_CONTAINS(b.data, "width=\"220.0\""); /* 100 and the clamped 250 */
	CHECK_CONTAINS(b.data, "&lt;iq&gt;");
	CHECK_CONTAINS(b.data, "Attrs of &quot;Q&quot;");
	CHECK(strstr(b.data, "<iq>") == NULL);
	buf_free(&b);
}

TEST(pages_lua_highlight_spans_and_escapes)
{
	pw_buf_t b = {0};
	pages_lua_highlight(&b, "local x = \"<b>\" -- a </pre>\nif x then return 3 end\n--[[ long\n]] y=[[s]]");
	CHECK_CONTAINS(b.data, "<span class=\"lua-kw\">local</span> x = ");
	CHECK_CONTAINS(b.data, "<span class=\"lua-str\">&quot;&lt;b&gt;&quot;</span>");
	CHECK_CONTAINS(b.data, "<span class=\"lua-com\">-- a &lt;/pre&gt;</span>\n");
	CHECK_CONTAINS(b.data, "<span class=\"lua-num\">3</span>");
	CHECK_CONTAINS(b.data, "<span class=\"lua-com\">--[[ long\n]]</span>");
	CHECK_CONTAINS(b.data, "<span class=\"lua-str\">[[s]]</span>");
	CHECK(strstr(b.data, "</pre>") == NULL);
	buf_free(&b);
	pages_lua_highlight(&b, "s = 'unterminated");
	CHECK_CONTAINS(b.data, "<span class=\"lua-str\">&#39;unterminated</span>");
	buf_free(&b);
}

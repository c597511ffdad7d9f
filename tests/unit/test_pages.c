/*
 * test_pages.c — the one escaping function and the layout.
 */
#include "tests/test.h"

#include "server/pages.h"

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

#include "objectstore/s3_xml.h"

#include <gtest/gtest.h>

namespace thingsdb {
namespace {

TEST(XmlDecodeTextTest, DecodesEntitiesAndCdata) {
  EXPECT_EQ(*XmlDecodeText("a &amp; b &lt;c&gt; &quot;d&quot; &apos;e&apos;"),
            "a & b <c> \"d\" 'e'");
  EXPECT_EQ(*XmlDecodeText("&#65;&#x42;&#xFC;&#x65E5;&#x1F600;"),
            "AB\xc3\xbc\xe6\x97\xa5\xf0\x9f\x98\x80");
  EXPECT_EQ(*XmlDecodeText("x<![CDATA[<&>]]>y"), "x<&>y");
  EXPECT_FALSE(XmlDecodeText("&bogus;").ok());
  EXPECT_FALSE(XmlDecodeText("&amp").ok());
  EXPECT_FALSE(XmlDecodeText("&#xZZ;").ok());
  EXPECT_FALSE(XmlDecodeText("&#0;").ok());
}

TEST(XmlElementsTest, MatchesExactNames) {
  std::string_view xml = "<R><KeyCount>2</KeyCount><Key>a</Key><Key attr=\"1\">b</Key><Key/></R>";
  std::vector<std::string_view> keys = XmlElements(xml, "Key");
  ASSERT_EQ(keys.size(), 3u);
  EXPECT_EQ(keys[0], "a");
  EXPECT_EQ(keys[1], "b");
  EXPECT_EQ(keys[2], "");
  EXPECT_EQ(XmlFirstText(xml, "KeyCount"), "2");
  EXPECT_EQ(XmlFirstText(xml, "Missing"), std::nullopt);
}

TEST(ParseListObjectsV2Test, ParsesAPage) {
  std::string xml = R"(<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Name>b</Name><Prefix>p/</Prefix><KeyCount>2</KeyCount><MaxKeys>2</MaxKeys>
  <IsTruncated>true</IsTruncated>
  <Contents><Key>p/a &amp; b.txt</Key><LastModified>2009-10-12T17:50:30.123Z</LastModified>
    <ETag>&quot;x&quot;</ETag><Size>434234</Size><StorageClass>STANDARD</StorageClass></Contents>
  <Contents><Key>p/&#xFC;</Key><LastModified>2009-10-12T17:50:30Z</LastModified>
    <Size>0</Size></Contents>
  <NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=</NextContinuationToken>
</ListBucketResult>)";
  auto page = ParseListObjectsV2(xml);
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  ASSERT_EQ(page->objects.size(), 2u);
  EXPECT_EQ(page->objects[0].key, "p/a & b.txt");
  EXPECT_EQ(page->objects[0].size, 434234u);
  EXPECT_EQ(page->objects[0].mtime_ms, 1255369830123);
  EXPECT_EQ(page->objects[1].key, "p/\xc3\xbc");
  EXPECT_EQ(page->objects[1].mtime_ms, 1255369830000);
  EXPECT_TRUE(page->truncated);
  EXPECT_EQ(page->next_continuation_token, "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=");
}

TEST(ParseListObjectsV2Test, RejectsMalformedPages) {
  EXPECT_FALSE(ParseListObjectsV2("<Error><Code>x</Code></Error>").ok());
  EXPECT_FALSE(ParseListObjectsV2("<ListBucketResult><Contents><Size>1</Size></Contents>"
                                  "</ListBucketResult>")
                   .ok());
  EXPECT_FALSE(ParseListObjectsV2("<ListBucketResult><Contents><Key>k</Key><Size>-1</Size>"
                                  "</Contents></ListBucketResult>")
                   .ok());
  EXPECT_FALSE(
      ParseListObjectsV2("<ListBucketResult><IsTruncated>true</IsTruncated></ListBucketResult>")
          .ok());
  auto empty = ParseListObjectsV2(
      "<ListBucketResult><IsTruncated>false</IsTruncated>"
      "</ListBucketResult>");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->objects.empty());
}

TEST(ParseS3ErrorTest, ReadsCodeAndMessage) {
  S3ErrorBody error = ParseS3Error(
      "<?xml version=\"1.0\"?><Error><Code>SignatureDoesNotMatch</Code><Message>The request "
      "signature we calculated does not match</Message><RequestId>1</RequestId></Error>");
  EXPECT_EQ(error.code, "SignatureDoesNotMatch");
  EXPECT_EQ(error.message, "The request signature we calculated does not match");
  EXPECT_EQ(ParseS3Error("").code, "");
}

TEST(S3DatesTest, Parse) {
  EXPECT_EQ(*ParseHttpDateMs("Wed, 12 Oct 2009 17:50:00 GMT"), 1255369800000);
  EXPECT_EQ(*ParseIso8601Ms("1970-01-01T00:00:01.5Z"), 1500);
  EXPECT_FALSE(ParseIso8601Ms("yesterday").ok());
  EXPECT_FALSE(ParseHttpDateMs("").ok());
}

}  // namespace
}  // namespace thingsdb

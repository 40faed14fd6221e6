package program

// SitemapPage lets tests cut the sitemap into small parts.
var SitemapPage = &sitemapPage

module github.com/omni-hq/omni

go 1.26.8

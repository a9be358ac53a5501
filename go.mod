module github.com/vigie-hotline/vigie

go 1.26

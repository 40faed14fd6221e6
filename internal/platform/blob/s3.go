package blob

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// MinPartSize is the smallest part S3 accepts in a multipart upload (all
// but the last part).
const MinPartSize = 5 << 20

// S3Config addresses a bucket on an S3-compatible service.
type S3Config struct {
	Endpoint  string // e.g. https://oss-cn-hangzhou.aliyuncs.com or http://127.0.0.1:9000
	Bucket    string
	Region    string
	AccessKey string
	SecretKey string
	// PathStyle addresses the bucket as endpoint/bucket rather than
	// bucket.endpoint, as MinIO and most self-hosted servers need.
	PathStyle bool
	// PartSize is how much of an upload is held in memory at once
	// (default and minimum MinPartSize).
	PartSize int64
	// HTTPClient is used for requests when set.
	HTTPClient *http.Client
}

// S3 stores files as objects in a bucket.
type S3 struct {
	client   *s3.Client
	bucket   string
	partSize int64
}

// NewS3 returns a driver for the bucket. It does not contact the server.
func NewS3(cfg S3Config) (*S3, error) {
	if cfg.Bucket == "" {
		return nil, errors.New("blob: S3 bucket not set")
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	if cfg.PartSize < MinPartSize {
		cfg.PartSize = MinPartSize
	}
	creds := aws.Credentials{AccessKeyID: cfg.AccessKey, SecretAccessKey: cfg.SecretKey, Source: "sciweek"}
	opts := s3.Options{
		Region:       cfg.Region,
		UsePathStyle: cfg.PathStyle,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return creds, nil
		}),
		// Checksums only where the protocol demands them: many S3-compatible
		// servers do not understand the SDK's trailing checksums.
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
	}
	if cfg.Endpoint != "" {
		opts.BaseEndpoint = aws.String(cfg.Endpoint)
	}
	if cfg.HTTPClient != nil {
		opts.HTTPClient = cfg.HTTPClient
	}
	return &S3{client: s3.New(opts), bucket: cfg.Bucket, partSize: cfg.PartSize}, nil
}

// Put uploads r in parts of the configured size, so at most one part is in
// memory; an upload that fails or passes the limit is aborted and leaves
// no object.
func (s *S3) Put(ctx context.Context, key string, r io.Reader, limit int64) (int64, error) {
	if err := checkKey(key); err != nil {
		return 0, err
	}
	if limit > 0 {
		r = io.LimitReader(r, limit+1)
	}
	buf := make([]byte, s.partSize)
	n, err := io.ReadFull(r, buf)
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		return 0, err
	}
	if limit > 0 && int64(n) > limit {
		return 0, ErrTooLarge
	}
	if int64(n) < s.partSize {
		_, err := s.client.PutObject(ctx, &s3.PutObjectInput{
			Bucket: &s.bucket, Key: &key, Body: bytes.NewReader(buf[:n]), ContentLength: aws.Int64(int64(n)),
		})
		return int64(n), err
	}
	up, err := s.client.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: &s.bucket, Key: &key})
	if err != nil {
		return 0, err
	}
	total, err := s.putParts(ctx, key, up.UploadId, r, buf, n, limit)
	if err != nil {
		// The caller's context may be what failed; the abort must still run.
		abortCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		s.client.AbortMultipartUpload(abortCtx, &s3.AbortMultipartUploadInput{Bucket: &s.bucket, Key: &key, UploadId: up.UploadId})
		return 0, err
	}
	return total, nil
}

func (s *S3) putParts(ctx context.Context, key string, uploadID *string, r io.Reader, buf []byte, n int, limit int64) (int64, error) {
	var parts []types.CompletedPart
	var total int64
	for num := int32(1); n > 0; num++ {
		total += int64(n)
		if limit > 0 && total > limit {
			return 0, ErrTooLarge
		}
		out, err := s.client.UploadPart(ctx, &s3.UploadPartInput{
			Bucket: &s.bucket, Key: &key, UploadId: uploadID, PartNumber: aws.Int32(num),
			Body: bytes.NewReader(buf[:n]), ContentLength: aws.Int64(int64(n)),
		})
		if err != nil {
			return 0, err
		}
		parts = append(parts, types.CompletedPart{ETag: out.ETag, PartNumber: aws.Int32(num)})
		var rerr error
		n, rerr = io.ReadFull(r, buf)
		if rerr != nil && rerr != io.EOF && rerr != io.ErrUnexpectedEOF {
			return 0, rerr
		}
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	_, err := s.client.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{
		Bucket: &s.bucket, Key: &key, UploadId: uploadID, MultipartUpload: &types.CompletedMultipartUpload{Parts: parts},
	})
	return total, err
}

// Open looks the object up; its bytes are fetched as they are read, from
// the position last sought, so a range request reads only that range.
func (s *S3) Open(ctx context.Context, key string) (Object, int64, time.Time, error) {
	if err := checkKey(key); err != nil {
		return nil, 0, time.Time{}, err
	}
	head, err := s.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &s.bucket, Key: &key})
	if isNotFound(err) {
		return nil, 0, time.Time{}, ErrNotFound
	}
	if err != nil {
		return nil, 0, time.Time{}, err
	}
	o := &s3Object{ctx: ctx, s: s, key: key, size: aws.ToInt64(head.ContentLength)}
	return o, o.size, aws.ToTime(head.LastModified), nil
}

// Delete removes the object.
func (s *S3) Delete(ctx context.Context, key string) error {
	if err := checkKey(key); err != nil {
		return err
	}
	_, err := s.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &s.bucket, Key: &key})
	if isNotFound(err) {
		return nil
	}
	return err
}

func isNotFound(err error) bool {
	var re *awshttp.ResponseError
	return errors.As(err, &re) && re.HTTPStatusCode() == http.StatusNotFound
}

// s3Object reads an object from an offset with ranged GETs.
type s3Object struct {
	ctx  context.Context
	s    *S3
	key  string
	size int64
	off  int64
	body io.ReadCloser
}

func (o *s3Object) Read(p []byte) (int, error) {
	if o.off >= o.size {
		return 0, io.EOF
	}
	if o.body == nil {
		out, err := o.s.client.GetObject(o.ctx, &s3.GetObjectInput{
			Bucket: &o.s.bucket, Key: &o.key, Range: aws.String("bytes=" + strconv.FormatInt(o.off, 10) + "-"),
		})
		if err != nil {
			return 0, err
		}
		o.body = out.Body
	}
	n, err := o.body.Read(p)
	o.off += int64(n)
	if err == io.EOF && o.off < o.size {
		err = io.ErrUnexpectedEOF
	}
	return n, err
}

func (o *s3Object) Seek(offset int64, whence int) (int64, error) {
	var abs int64
	switch whence {
	case io.SeekStart:
		abs = offset
	case io.SeekCurrent:
		abs = o.off + offset
	case io.SeekEnd:
		abs = o.size + offset
	default:
		return 0, fmt.Errorf("blob: bad whence %d", whence)
	}
	if abs < 0 {
		return 0, errors.New("blob: negative position")
	}
	if abs != o.off && o.body != nil {
		o.body.Close()
		o.body = nil
	}
	o.off = abs
	return abs, nil
}

func (o *s3Object) Close() error {
	if o.body != nil {
		return o.body.Close()
	}
	return nil
}

// Ping checks that the bucket answers with these credentials.
func (s *S3) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if _, err := s.client.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: &s.bucket}); err != nil {
		return fmt.Errorf("object storage bucket %q does not answer: %w", s.bucket, err)
	}
	return nil
}
